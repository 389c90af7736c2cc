/// The binary form of a `WindowPart` on the parts topic: little-endian, versioned by a magic
/// prefix, with a numeric state's bins left out (every process has them from the same frozen
/// reference, which the monitor fingerprint pins). A sample of 10,000 values takes 160 KB.
public enum WindowPartCodec {
    static let magic: [UInt8] = Array("SDP1".utf8)

    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func encode(_ part: WindowPart) -> [UInt8] {
        var out = Writer()
        out.bytes.reserveCapacity(64 + sampleBytes(part.state))
        out.bytes += magic
        out.integer(part.monitor)
        out.string(part.topic)
        out.integer(UInt32(bitPattern: part.partition))
        out.string(part.column)
        out.optional(part.previousProgress)
        out.integer(UInt64(bitPattern: part.progress))
        out.optional(part.window)
        guard let state = part.state else {
            out.bytes.append(0)
            return out.bytes
        }
        out.bytes.append(1)
        out.integer(UInt64(state.rows))
        out.integer(UInt64(state.nulls))
        switch state.counts {
        case .numeric(_, let histogram, let sample):
            out.bytes.append(1)
            out.integer(UInt32(histogram.count))
            for count in histogram { out.integer(UInt64(count)) }
            out.integer(UInt32(sample.capacity))
            let entries = sample.entries
            out.integer(UInt32(entries.count))
            for entry in entries {
                out.integer(entry.key)
                out.integer(entry.value.bitPattern)
            }
        case .categorical(let table):
            out.bytes.append(2)
            out.integer(UInt32(table.count))
            for (category, count) in table.sorted(by: { $0.key < $1.key }) {
                out.string(category)
                out.integer(UInt64(count))
            }
        }
        return out.bytes
    }

    /// Decodes a part; `bins` gives the frozen bins of a numeric column (nil: the column is not
    /// numeric in this monitor).
    public static func decode(_ bytes: [UInt8], bins: (String) -> QuantileBins?) throws(DecodingError) -> WindowPart {
        var reader = Reader(bytes: bytes)
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw DecodingError(description: "not a drift window part (no SDP1 prefix)")
        }
        reader.position = magic.count
        let monitor = try reader.integer(UInt64.self)
        let topic = try reader.string()
        let partition = Int32(bitPattern: try reader.integer(UInt32.self))
        let column = try reader.string()
        let previous = try reader.optional()
        let progress = Int64(bitPattern: try reader.integer(UInt64.self))
        let window = try reader.optional()
        var part = WindowPart(
            monitor: monitor, topic: topic, partition: partition, column: column, previousProgress: previous,
            progress: progress, window: window)
        guard try reader.byte() == 1 else {
            guard reader.remaining == 0 else {
                throw DecodingError(description: "column \(column): \(reader.remaining) bytes after the part")
            }
            return part
        }
        let rows = Int(try reader.integer(UInt64.self))
        let nulls = Int(try reader.integer(UInt64.self))
        switch try reader.byte() {
        case 1:
            guard let bins = bins(column) else {
                throw DecodingError(description: "column \(column) has numeric counts but is not numeric here")
            }
            let binCount = Int(try reader.integer(UInt32.self))
            guard binCount == bins.count else {
                throw DecodingError(description: "column \(column) has \(binCount) bins, the reference \(bins.count)")
            }
            var histogram: [Int] = []
            for _ in 0..<binCount { histogram.append(Int(try reader.integer(UInt64.self))) }
            let capacity = Int(try reader.integer(UInt32.self))
            let count = Int(try reader.integer(UInt32.self))
            guard capacity >= 1, count <= capacity, reader.remaining >= count * 16 else {
                throw DecodingError(description: "column \(column): a sample of \(count) in \(capacity) is cut short")
            }
            var sample = BottomKSample(capacity: capacity)
            for _ in 0..<count {
                let key = try reader.integer(UInt64.self)
                sample.insert(Double(bitPattern: try reader.integer(UInt64.self)), key: key)
            }
            part.state = ColumnWindowState(
                rows: rows, nulls: nulls, counts: .numeric(bins: bins, histogram: histogram, sample: sample))
        case 2:
            let count = Int(try reader.integer(UInt32.self))
            var table: [String: Int] = [:]
            for _ in 0..<count {
                let category = try reader.string()
                table[category] = Int(try reader.integer(UInt64.self))
            }
            part.state = ColumnWindowState(rows: rows, nulls: nulls, counts: .categorical(table))
        case let kind:
            throw DecodingError(description: "column \(column): unknown state kind \(kind)")
        }
        guard reader.position == bytes.count else {
            throw DecodingError(description: "column \(column): \(reader.remaining) bytes after the part")
        }
        return part
    }

    private static func sampleBytes(_ state: ColumnWindowState?) -> Int {
        guard case .numeric(_, let histogram, let sample)? = state?.counts else { return 256 }
        return histogram.count * 8 + sample.count * 16
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func integer<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func string(_ text: String) {
            let utf8 = Array(text.utf8)
            integer(UInt32(utf8.count))
            bytes += utf8
        }

        mutating func optional(_ value: Int64?) {
            bytes.append(value == nil ? 0 : 1)
            if let value { integer(UInt64(bitPattern: value)) }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var remaining: Int { bytes.count - position }

        mutating func byte() throws(DecodingError) -> UInt8 {
            guard position < bytes.count else { throw DecodingError(description: "the part is cut short") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(DecodingError) -> T {
            let size = MemoryLayout<T>.size
            guard remaining >= size else { throw DecodingError(description: "the part is cut short") }
            var value = T.zero
            for index in 0..<size { value |= T(bytes[position + index]) << (8 * index) }
            position += size
            return value
        }

        mutating func string() throws(DecodingError) -> String {
            let count = Int(try integer(UInt32.self))
            guard remaining >= count else { throw DecodingError(description: "the part is cut short") }
            defer { position += count }
            return String(decoding: bytes[position..<position + count], as: UTF8.self)
        }

        mutating func optional() throws(DecodingError) -> Int64? {
            try byte() == 0 ? nil : Int64(bitPattern: try integer(UInt64.self))
        }
    }
}
