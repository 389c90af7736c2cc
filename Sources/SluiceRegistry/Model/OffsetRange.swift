/// The Kafka offsets of one partition that a training set's rows came from.
public struct OffsetRange: Sendable, Equatable, Codable {
    public var partition: Int32
    public var firstOffset: Int64
    public var lastOffset: Int64
    public var rows: Int

    public init(partition: Int32, firstOffset: Int64, lastOffset: Int64, rows: Int) {
        self.partition = partition
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.rows = rows
    }

    enum CodingKeys: String, CodingKey {
        case partition, rows
        case firstOffset = "first_offset"
        case lastOffset = "last_offset"
    }
}
