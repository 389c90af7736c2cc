import CRDKafka

/// An error from the Kafka client layer.
///
/// `code` says what kind of failure it was; `message` says what failed, with what input, and what
/// to do. When librdkafka reported the failure, `rdkafkaErrorName` holds its error name (for example
/// `_TRANSPORT` or `TOPIC_ALREADY_EXISTS`).
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A configuration property was rejected by librdkafka or is invalid.
        public static let configuration = Code("configuration")
        /// No broker answered within the timeout.
        public static let brokerUnavailable = Code("brokerUnavailable")
        /// An operation did not complete within its timeout.
        public static let timedOut = Code("timedOut")
        /// A produced message was not delivered.
        public static let deliveryFailed = Code("deliveryFailed")
        /// The producer's local queue is full; retry after delivery reports have been served.
        public static let queueFull = Code("queueFull")
        /// Creating a topic failed.
        public static let topicCreationFailed = Code("topicCreationFailed")
        /// The topic already exists.
        public static let topicAlreadyExists = Code("topicAlreadyExists")
        /// Committing offsets failed.
        public static let commitFailed = Code("commitFailed")
        /// Seeking or querying offsets failed.
        public static let offsetQueryFailed = Code("offsetQueryFailed")
        /// The client hit a fatal error and must be recreated.
        public static let fatal = Code("fatal")
        /// The client was used after `close()`.
        public static let closed = Code("closed")
        /// Any other librdkafka error.
        public static let underlying = Code("underlying")
    }

    public var code: Code
    public var message: String
    /// librdkafka's name of the error, when it came from librdkafka.
    public var rdkafkaErrorName: String?
    /// Whether repeating the operation may succeed.
    public var isRetriable: Bool
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ message: String, rdkafkaErrorName: String? = nil, isRetriable: Bool = false,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.rdkafkaErrorName = rdkafkaErrorName
        self.isRetriable = isRetriable
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "KafkaError.\(code): \(message)"
        if let rdkafkaErrorName { text += " [librdkafka \(rdkafkaErrorName)]" }
        return text
    }
}

// MARK: - Translation from librdkafka

extension KafkaError {
    /// Makes an error from a librdkafka response code, choosing our code from the librdkafka one
    /// unless `code` is given.
    static func rdkafka(
        _ err: rd_kafka_resp_err_t, _ context: String, code: Code? = nil,
        file: String = #fileID, line: Int = #line
    ) -> KafkaError {
        let name = String(cString: rd_kafka_err2name(err))
        let text = String(cString: rd_kafka_err2str(err))
        return KafkaError(
            code ?? Code(classifying: err), "\(context): \(text)", rdkafkaErrorName: name,
            isRetriable: err.isRetriable, file: file, line: line)
    }
}

extension KafkaError.Code {
    init(classifying err: rd_kafka_resp_err_t) {
        switch err {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE:
            self = .brokerUnavailable
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            self = .timedOut
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
            self = .deliveryFailed
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
            self = .queueFull
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            self = .topicAlreadyExists
        case RD_KAFKA_RESP_ERR__FATAL:
            self = .fatal
        default:
            self = .underlying
        }
    }
}

extension rd_kafka_resp_err_t {
    /// Errors that a later attempt may not hit: broker unavailability, timeouts, leadership changes.
    var isRetriable: Bool {
        switch self {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return true
        default:
            return false
        }
    }
}

extension String {
    /// Decodes a NUL-terminated error buffer filled in by librdkafka.
    init(cBuffer buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
