/// A partition of a topic.
public struct KafkaTopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// A position in a partition: an exact offset or one of librdkafka's logical offsets.
public struct KafkaOffset: Hashable, Sendable, CustomStringConvertible {
    /// librdkafka's raw value (negative values are logical offsets).
    public let rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The offset of the next message to read.
    public static func exact(_ offset: Int64) -> KafkaOffset {
        precondition(offset >= 0, "an exact Kafka offset is never negative (got \(offset))")
        return KafkaOffset(rawValue: offset)
    }
    /// The oldest message still in the partition.
    public static let beginning = KafkaOffset(rawValue: -2)  // RD_KAFKA_OFFSET_BEGINNING
    /// After the newest message: only new messages are read.
    public static let end = KafkaOffset(rawValue: -1)  // RD_KAFKA_OFFSET_END
    /// The group's committed offset (falling back to `auto.offset.reset`).
    public static let committed = KafkaOffset(rawValue: -1000)  // RD_KAFKA_OFFSET_STORED

    public var isExact: Bool { rawValue >= 0 }

    public var description: String {
        switch rawValue {
        case -2: "beginning"
        case -1: "end"
        case -1000: "committed"
        case let value where value >= 0: "\(value)"
        default: "logical(\(rawValue))"
        }
    }
}
