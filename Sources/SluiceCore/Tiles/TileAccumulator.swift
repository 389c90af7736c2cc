/// Everything one tile knows about the events of one entity from one source partition.
public struct TileAccumulator: Sendable, Equatable {
    public var count: Int64 = 0
    public var numeric: [NumericStats]
    public var distinct: [DistinctSketch]
    /// The newest event: by event time, then partition, then offset.
    public var lastTime: Int64 = .min
    public var lastPartition: Int32 = -1
    public var lastOffset: Int64 = -1
    public var lastValues: [FieldValue]

    public init(numericSlots: Int, distinctSlots: Int, lastSlots: Int) {
        numeric = Array(repeating: NumericStats(), count: numericSlots)
        distinct = Array(repeating: .empty, count: distinctSlots)
        lastValues = Array(repeating: .null, count: lastSlots)
    }

    public var hasLast: Bool { lastTime != .min }

    /// Adds one event. `values` are the event's fields, indexed like the source schema.
    public mutating func add(
        _ values: [FieldValue], eventTime: Int64, partition: Int32, offset: Int64, group: TileGroup
    ) {
        count += 1
        for (slot, field) in group.numericFields.enumerated() {
            if let number = values[field].doubleValue { numeric[slot].add(number) }
        }
        for (slot, field) in group.distinctFields.enumerated() where !values[field].isNull {
            distinct[slot].insert(StableHash.hash(values[field]))
        }
        if isNewer(eventTime, partition, offset) {
            lastTime = eventTime
            lastPartition = partition
            lastOffset = offset
            for (slot, field) in group.lastFields.enumerated() { lastValues[slot] = values[field] }
        }
    }

    /// Folds `other` in. The result does not depend on how events were split between the two,
    /// except for the last bits of floating-point sums.
    public mutating func merge(_ other: TileAccumulator) {
        count += other.count
        for slot in numeric.indices { numeric[slot].merge(other.numeric[slot]) }
        for slot in distinct.indices { distinct[slot].merge(other.distinct[slot]) }
        if other.hasLast && isNewer(other.lastTime, other.lastPartition, other.lastOffset) {
            lastTime = other.lastTime
            lastPartition = other.lastPartition
            lastOffset = other.lastOffset
            lastValues = other.lastValues
        }
    }

    /// Whether this tile's newest event comes after `other`'s (by event time, partition, offset).
    @inline(__always)
    func holdsNewerEvent(than other: borrowing TileAccumulator) -> Bool {
        (lastTime, lastPartition, lastOffset) > (other.lastTime, other.lastPartition, other.lastOffset)
    }

    @inline(__always)
    private func isNewer(_ time: Int64, _ partition: Int32, _ offset: Int64) -> Bool {
        (time, partition, offset) > (lastTime, lastPartition, lastOffset)
    }
}
