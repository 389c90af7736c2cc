/// Min, max and null count of a column chunk, with min and max PLAIN-encoded as the format's
/// `min_value`/`max_value` require (strings without their length prefix).
struct ColumnStatistics {
    var nullCount: Int
    var minValue: [UInt8]?
    var maxValue: [UInt8]?

    init(_ column: ColumnBuffer) {
        nullCount = column.nullCount
        switch column.field.type {
        case .int32:
            if let (low, high) = Self.range(of: column.integers) {
                minValue = Self.littleEndian(Int32(truncatingIfNeeded: low))
                maxValue = Self.littleEndian(Int32(truncatingIfNeeded: high))
            }
        case .int64, .timestampMillis:
            if let (low, high) = Self.range(of: column.integers) {
                minValue = Self.littleEndian(low)
                maxValue = Self.littleEndian(high)
            }
        case .boolean:
            if let (low, high) = Self.range(of: column.integers) {
                minValue = [UInt8(low)]
                maxValue = [UInt8(high)]
            }
        case .double:
            // NaN has no place in an order, so it is left out; the spec asks readers to allow
            // both signs of zero at the ends, and writers to store -0 as min and +0 as max.
            var low = Double.infinity
            var high = -Double.infinity
            var sawNumber = false
            for value in column.doubles where !value.isNaN {
                sawNumber = true
                low = min(low, value)
                high = max(high, value)
            }
            if sawNumber {
                if low == 0 { low = -0.0 }
                if high == 0 { high = 0.0 }
                minValue = Self.littleEndian(low.bitPattern)
                maxValue = Self.littleEndian(high.bitPattern)
            }
        case .string:
            guard column.valueCount > 0 else { break }
            column.stringBytes.withUnsafeBufferPointer { bytes in
                var lowest = column.stringRange(0)
                var highest = lowest
                for index in 1..<column.valueCount {
                    let candidate = column.stringRange(index)
                    // Byte-wise unsigned order, the order the format defines for UTF-8.
                    if bytes[candidate].lexicographicallyPrecedes(bytes[lowest]) { lowest = candidate }
                    if bytes[highest].lexicographicallyPrecedes(bytes[candidate]) { highest = candidate }
                }
                minValue = Array(bytes[lowest])
                maxValue = Array(bytes[highest])
            }
        }
    }

    private static func range(of values: [Int64]) -> (Int64, Int64)? {
        guard var low = values.first else { return nil }
        var high = low
        for value in values {
            if value < low { low = value }
            if value > high { high = value }
        }
        return (low, high)
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        var out: [UInt8] = []
        writeLittleEndian(value, into: &out)
        return out
    }

    /// The statistics of a column's chunks over a whole file.
    static func summary(_ field: ParquetField, _ chunks: [ColumnStatistics]) -> ParquetColumnSummary {
        var result = ParquetColumnSummary(field: field, nullCount: 0, min: nil, max: nil)
        for chunk in chunks {
            result.nullCount += chunk.nullCount
            if let low = chunk.minValue.flatMap({ bound($0, field.type) }) {
                result.min = result.min.map { Swift.min($0, low) } ?? low
            }
            if let high = chunk.maxValue.flatMap({ bound($0, field.type) }) {
                result.max = result.max.map { Swift.max($0, high) } ?? high
            }
        }
        return result
    }

    /// A PLAIN-encoded bound as a value; booleans have none.
    private static func bound(_ bytes: [UInt8], _ type: ParquetType) -> ParquetColumnSummary.Bound? {
        func integer<T: FixedWidthInteger>(_: T.Type) -> T {
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        switch type {
        case .int32: return bytes.count == 4 ? .integer(Int64(integer(Int32.self))) : nil
        case .int64, .timestampMillis: return bytes.count == 8 ? .integer(integer(Int64.self)) : nil
        case .double: return bytes.count == 8 ? .double(Double(bitPattern: integer(UInt64.self))) : nil
        case .string: return .string(String(decoding: bytes, as: UTF8.self))
        case .boolean: return nil
        }
    }

    /// Thrift `Statistics`: null_count (3), max_value (5), min_value (6).
    func write(to thrift: inout ThriftCompactWriter) {
        thrift.field(3, i64: Int64(nullCount))
        if let maxValue { thrift.field(5, binary: maxValue) }
        if let minValue { thrift.field(6, binary: minValue) }
    }
}
