/// An error from the Parquet writer: a value the schema does not allow, a failed compression, or
/// a failed file operation (with the path and the system's reason).
public struct ParquetError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A value does not fit its column (null in a required column, wrong type, a row with
        /// too few or too many values).
        public static let invalidValue = Code("invalidValue")
        /// The schema itself is unusable (no columns, duplicate or empty names).
        public static let invalidSchema = Code("invalidSchema")
        /// zstd or snappy reported an error.
        public static let compressionFailed = Code("compressionFailed")
        /// open, write, fsync, rename or close failed.
        public static let ioFailed = Code("ioFailed")
        /// A file is not valid Parquet (bad magic, footer, page or run).
        public static let corruptFile = Code("corruptFile")
        /// A valid file uses a feature the reader does not implement (nested columns, v2 pages...).
        public static let unsupported = Code("unsupported")
        /// The writer was used after `close()` or after an earlier failure.
        public static let closed = Code("closed")
    }

    public var code: Code
    public var message: String
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "ParquetError.\(code): \(message)" }
}
