/// The values of one column for the row group being built. Values are kept unencoded, in flat
/// arrays by physical kind, so that appending allocates nothing per value and the chunk can choose
/// between dictionary and PLAIN encoding once it knows all its values. A value held in the
/// writer's array: as a class, every append paid run-time exclusivity checks on each field it
/// touched, more than the append itself.
struct ColumnBuffer {
    let field: ParquetField

    /// One flag per row for optional columns (true = value present); empty for required ones.
    private(set) var present: [Bool] = []
    private(set) var rowCount = 0
    private(set) var nullCount = 0

    /// int32, int64, timestamp and boolean (0/1) values.
    private(set) var integers: [Int64] = []
    private(set) var doubles: [Double] = []
    /// Concatenated UTF-8 bytes of string values, with the end offset of each.
    private(set) var stringBytes: [UInt8] = []
    private(set) var stringEnds: [Int] = []

    /// Size of the values once PLAIN-encoded, used to size row groups and pages.
    private(set) var plainBytes = 0

    init(field: ParquetField) {
        self.field = field
    }

    var valueCount: Int { rowCount - nullCount }

    // MARK: - Appending (one call per row)

    mutating func appendNull() throws(ParquetError) {
        guard field.isOptional else {
            throw ParquetError(.invalidValue, "column '\(field.name)' is required and cannot hold null")
        }
        present.append(false)
        rowCount += 1
        nullCount += 1
    }

    mutating func append(integer value: Int64) {
        markPresent()
        integers.append(value)
        plainBytes += field.type == .int32 ? 4 : field.type == .boolean ? 1 : 8
    }

    mutating func append(double value: Double) {
        markPresent()
        doubles.append(value)
        plainBytes += 8
    }

    mutating func append(string value: String) {
        markPresent()
        var value = value
        value.withUTF8 { stringBytes.append(contentsOf: $0) }
        stringEnds.append(stringBytes.count)
        plainBytes += 4 + value.utf8.count
    }

    private mutating func markPresent() {
        if field.isOptional { present.append(true) }
        rowCount += 1
    }

    /// Empties the buffer for the next row group, keeping its capacity.
    mutating func reset() {
        present.removeAll(keepingCapacity: true)
        integers.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        stringBytes.removeAll(keepingCapacity: true)
        stringEnds.removeAll(keepingCapacity: true)
        rowCount = 0
        nullCount = 0
        plainBytes = 0
    }

    // MARK: - Reading values back for encoding

    func stringRange(_ index: Int) -> Range<Int> {
        (index == 0 ? 0 : stringEnds[index - 1])..<stringEnds[index]
    }
}
