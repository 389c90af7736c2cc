/// The binary record of a feature-log row in a partition's staging file, where rows wait, fsynced,
/// until they are rolled into a Parquet file.
///
/// Record: u32 payload length, u32 FNV-1a checksum of the payload, payload. A crash can leave a
/// torn last record; `decodeRecords` stops at the first record that is short or fails its
/// checksum and reports how many bytes were whole, so the file can be cut back to them.
public enum FeatureLogRowCodec {
    public static func appendRecord(_ row: FeatureLogRow, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        appendString(row.eventID, to: &out)
        appendFixed(UInt64(bitPattern: row.eventTime), to: &out)
        appendFixed(UInt32(bitPattern: row.partition), to: &out)
        appendFixed(UInt64(bitPattern: row.offset), to: &out)
        appendFixed(UInt16(row.keys.count), to: &out)
        for key in row.keys {
            if let key {
                out.append(1)
                appendString(key, to: &out)
            } else {
                out.append(0)
            }
        }
        appendFixed(UInt16(row.features.count), to: &out)
        for feature in row.features {
            if let feature {
                out.append(1)
                appendFixed(feature.bitPattern, to: &out)
            } else {
                out.append(0)
            }
        }
        let length = UInt32(out.count - start - 8)
        let checksum = fnv1a(out[(start + 8)...])
        for byte in 0..<4 {
            out[start + byte] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(byte)))
            out[start + 4 + byte] = UInt8(truncatingIfNeeded: checksum >> (8 * UInt32(byte)))
        }
    }

    /// The whole records at the start of `bytes`, and the number of bytes they span.
    public static func decodeRecords(_ bytes: [UInt8]) -> (rows: [FeatureLogRow], validBytes: Int) {
        var rows: [FeatureLogRow] = []
        var position = 0
        while bytes.count - position >= 8 {
            var header = Reader(bytes: bytes, position: position)
            guard let length = header.fixed(UInt32.self), let checksum = header.fixed(UInt32.self) else { break }
            let end = position + 8 + Int(length)
            guard end <= bytes.count, fnv1a(bytes[(position + 8)..<end]) == checksum else { break }
            var reader = Reader(bytes: bytes, position: position + 8)
            guard let row = reader.row(), reader.position == end else { break }
            rows.append(row)
            position = end
        }
        return (rows, position)
    }

    // MARK: - Encoding helpers

    private static func appendFixed<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var remaining = value
        for _ in 0..<MemoryLayout<T>.size {
            out.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }

    private static func appendString(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            appendFixed(UInt32(utf8.count), to: &out)
            out.append(contentsOf: utf8)
        }
    }

    private static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int

        mutating func fixed<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard position + size <= bytes.count else { return nil }
            var value: T = 0
            for index in 0..<size { value |= T(bytes[position + index]) << (8 * index) }
            position += size
            return value
        }

        mutating func string() -> String? {
            guard let length = fixed(UInt32.self), position + Int(length) <= bytes.count else { return nil }
            defer { position += Int(length) }
            return String(decoding: bytes[position..<(position + Int(length))], as: UTF8.self)
        }

        mutating func flag() -> Bool? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position] == 1
        }

        mutating func row() -> FeatureLogRow? {
            guard let eventID = string(), let eventTime = fixed(UInt64.self), let partition = fixed(UInt32.self),
                let offset = fixed(UInt64.self), let keyCount = fixed(UInt16.self)
            else { return nil }
            var keys: [String?] = []
            for _ in 0..<keyCount {
                guard let present = flag() else { return nil }
                if present {
                    guard let key = string() else { return nil }
                    keys.append(key)
                } else {
                    keys.append(nil)
                }
            }
            guard let featureCount = fixed(UInt16.self) else { return nil }
            var features: [Double?] = []
            features.reserveCapacity(Int(featureCount))
            for _ in 0..<featureCount {
                guard let present = flag() else { return nil }
                if present {
                    guard let bits = fixed(UInt64.self) else { return nil }
                    features.append(Double(bitPattern: bits))
                } else {
                    features.append(nil)
                }
            }
            return FeatureLogRow(
                eventID: eventID, eventTime: Int64(bitPattern: eventTime), keys: keys,
                partition: Int32(bitPattern: partition),
                offset: Int64(bitPattern: offset), features: features)
        }
    }
}
