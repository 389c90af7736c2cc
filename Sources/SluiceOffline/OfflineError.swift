/// A failure of the offline store: the feature log, replay, the skew check or a training set.
public struct OfflineError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file or folder could not be created, written, renamed or read; `message` has the
        /// operating system's reason.
        public static let fileSystem = Code("fileSystem")
        /// No feature log where one was expected.
        public static let logMissing = Code("logMissing")
        /// A Parquet file is not a Sluice feature log, or its columns disagree with the others'.
        public static let notAFeatureLog = Code("notAFeatureLog")
        /// Two logs (or a log and a topology) have different feature columns.
        public static let columnsDiffer = Code("columnsDiffer")
        /// A Kafka topic to read does not exist or has no partitions.
        public static let topicMissing = Code("topicMissing")
        /// A topic did not reach its end in time.
        public static let timedOut = Code("timedOut")
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

    public var description: String { message }
}
