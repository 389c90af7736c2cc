/// A Thrift compact-protocol value, decoded generically: Parquet readers only need a handful of
/// fields of each struct, and a generic tree lets unknown fields (from newer writers) pass.
indirect enum ThriftValue {
    case integer(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure([Int16: ThriftValue])

    subscript(field: Int16) -> ThriftValue? {
        if case .structure(let fields) = self { return fields[field] }
        return nil
    }

    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    var list: [ThriftValue] {
        if case .list(let values) = self { return values }
        return []
    }

    var string: String? {
        if case .binary(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}

/// Decodes compact-protocol structs from a byte buffer.
struct ThriftCompactReader {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    mutating func readStruct() throws(ParquetError) -> ThriftValue {
        var fields: [Int16: ThriftValue] = [:]
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return .structure(fields) }
            let type = header & 0x0F
            let delta = header >> 4
            let id: Int16
            if delta != 0 {
                id = lastID + Int16(delta)
            } else {
                id = Int16(truncatingIfNeeded: unzigzag(try varint()))
            }
            lastID = id
            fields[id] = try value(ofType: type)
        }
    }

    private mutating func value(ofType type: UInt8) throws(ParquetError) -> ThriftValue {
        switch type {
        case 1: return .integer(1)  // boolean true (in a field header)
        case 2: return .integer(0)  // boolean false
        case 3: return .integer(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .integer(unzigzag(try varint()))
        case 7:
            var bits: UInt64 = 0
            for index in 0..<8 { bits |= UInt64(try byte()) << (8 * UInt64(index)) }
            return .double(Double(bitPattern: bits))
        case 8:
            let length = Int(try varint())
            guard length >= 0, position + length <= bytes.count else { throw Self.corrupt("binary runs past the end") }
            defer { position += length }
            return .binary(Array(bytes[position..<(position + length)]))
        case 9, 10:
            let header = try byte()
            var count = Int(header >> 4)
            if count == 15 { count = Int(try varint()) }
            let elementType = header & 0x0F
            var values: [ThriftValue] = []
            values.reserveCapacity(min(count, 1 << 16))
            for _ in 0..<count {
                // Booleans inside lists are one byte each.
                values.append(
                    elementType == 1 || elementType == 2
                        ? .integer(Int64(try byte() == 1 ? 1 : 0)) : try value(ofType: elementType))
            }
            return .list(values)
        case 12:
            return try readStruct()
        default:
            throw Self.corrupt("unsupported Thrift type \(type)")
        }
    }

    private mutating func byte() throws(ParquetError) -> UInt8 {
        guard position < bytes.count else { throw Self.corrupt("unexpected end of Thrift data") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw Self.corrupt("varint too long") }
        }
    }

    private func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    static func corrupt(_ detail: String) -> ParquetError {
        ParquetError(.corruptFile, "Thrift metadata is corrupt: \(detail)")
    }
}
