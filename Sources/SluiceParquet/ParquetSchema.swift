/// The column types the writer supports, each with its Parquet physical and logical type.
public enum ParquetType: String, Sendable, CaseIterable {
    /// BYTE_ARRAY annotated STRING (UTF-8).
    case string
    /// INT32 annotated INTEGER(32, signed).
    case int32
    /// INT64 annotated INTEGER(64, signed).
    case int64
    /// DOUBLE (IEEE 754 binary64).
    case double
    /// BOOLEAN.
    case boolean
    /// INT64 annotated TIMESTAMP(isAdjustedToUTC: true, unit: MILLIS).
    case timestampMillis
}

/// One flat column of a Parquet file.
public struct ParquetField: Sendable, Equatable {
    public var name: String
    public var type: ParquetType
    /// Optional columns accept nulls (definition level 0); required columns reject them.
    public var isOptional: Bool
    /// Whether the writer may dictionary-encode this column. It still falls back to PLAIN for a
    /// row group whose values are mostly distinct or whose dictionary would be too large.
    public var allowsDictionary: Bool

    public init(_ name: String, _ type: ParquetType, optional: Bool = true, dictionary: Bool = true) {
        self.name = name
        self.type = type
        self.isOptional = optional
        self.allowsDictionary = dictionary && type != .boolean
    }
}

/// Page compression codecs.
public enum ParquetCompression: String, Sendable, CaseIterable {
    case uncompressed
    case snappy
    case zstd
}

/// Writer settings. The defaults suit the feature log: zstd level 3, row groups of 64 MiB of
/// uncompressed data, pages of 1 MiB.
public struct ParquetWriterOptions: Sendable {
    /// Page compression. Default: zstd.
    public var compression: ParquetCompression = .zstd
    /// zstd level (1 fastest ... 19 smallest). Default: 3.
    public var zstdLevel: Int32 = 3
    /// A row group is closed once its columns hold this many uncompressed bytes. Default: 64 MiB.
    public var rowGroupBytes: Int = 64 << 20
    /// Target uncompressed size of one data page. Default: 1 MiB.
    public var pageBytes: Int = 1 << 20
    /// A dictionary page larger than this makes the column chunk fall back to PLAIN. Default: 1 MiB.
    public var dictionaryPageLimit: Int = 1 << 20
    /// Key-value metadata stored in the footer.
    public var metadata: [(key: String, value: String)] = []
    /// The `created_by` string in the footer.
    public var createdBy: String = "sluice"
    /// Whether `close()` fsyncs the file before returning. Default: true.
    public var fsyncOnClose: Bool = true

    public init() {}
}

// MARK: - Mapping to the format's enums

extension ParquetType {
    /// Thrift `Type`.
    var physicalType: Int32 {
        switch self {
        case .boolean: 0
        case .int32: 1
        case .int64, .timestampMillis: 2
        case .double: 5
        case .string: 6
        }
    }

    /// Thrift `ConvertedType`, kept for readers that predate logical types.
    var convertedType: Int32? {
        switch self {
        case .string: 0  // UTF8
        case .timestampMillis: 9  // TIMESTAMP_MILLIS
        case .int32: 17  // INT_32
        case .int64: 18  // INT_64
        case .double, .boolean: nil
        }
    }
}

extension ParquetCompression {
    /// Thrift `CompressionCodec`.
    var codec: Int32 {
        switch self {
        case .uncompressed: 0
        case .snappy: 1
        case .zstd: 6
        }
    }
}

/// Thrift `Encoding` values the writer emits.
enum ParquetEncoding {
    static let plain: Int32 = 0
    static let rle: Int32 = 3
    static let rleDictionary: Int32 = 8
}
