import CSnappy
import CZstd
import Foundation

/// Reads flat Parquet files of the kinds `ParquetWriter` writes (and other writers' files that
/// keep to the same subset): v1 data pages, PLAIN and RLE_DICTIONARY values, optional or required
/// flat columns, uncompressed, SNAPPY or ZSTD pages. Sluice reads its own feature logs with it
/// (`verify-skew`, `training-set`); anything else is reported as unsupported, never guessed.
public enum ParquetReader {
    public static func read(path: String, columns wanted: [String]? = nil) throws(ParquetError) -> ParquetTable {
        let bytes = try fileBytes(path)
        let (metadata, fields) = try footer(bytes, path: path)
        let selected =
            try wanted.map { names throws(ParquetError) in
                try names.map { name throws(ParquetError) in
                    guard let index = fields.firstIndex(where: { $0.name == name }) else {
                        throw ParquetError(.invalidSchema, "\(path) has no column '\(name)'")
                    }
                    return index
                }
            } ?? Array(fields.indices)

        var columns = selected.map { ColumnAccumulator(type: fields[$0].type) }
        var rowCount = 0
        for group in metadata[4]?.list ?? [] {
            let chunks = group[1]?.list ?? []
            rowCount += Int(group[3]?.integer ?? 0)
            for (position, index) in selected.enumerated() {
                guard index < chunks.count, let meta = chunks[index][3] else {
                    throw ParquetError(.corruptFile, "\(path): row group without column chunk \(index)")
                }
                try readChunk(meta, field: fields[index], bytes: bytes, into: &columns[position], path: path)
            }
        }
        var keyValues: [String: String] = [:]
        for pair in metadata[5]?.list ?? [] {
            if let key = pair[1]?.string { keyValues[key] = pair[2]?.string ?? "" }
        }
        return ParquetTable(
            fields: selected.map { fields[$0] }, columns: columns.map(\.values), rowCount: rowCount, metadata: keyValues
        )
    }

    /// A whole Parquet file's bytes, checked for the magic at both ends.
    static func fileBytes(_ path: String) throws(ParquetError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParquetError(.ioFailed, "cannot read \(path)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 12, bytes.prefix(4).elementsEqual("PAR1".utf8), bytes.suffix(4).elementsEqual("PAR1".utf8)
        else {
            throw ParquetError(.corruptFile, "\(path) is not a Parquet file (no PAR1 magic)")
        }
        return bytes
    }

    /// The columns of a file, from its footer alone (the data pages are not read).
    public static func fields(path: String) throws(ParquetError) -> [ParquetField] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ParquetError(.ioFailed, "cannot read \(path)")
        }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= 12, (try? handle.seek(toOffset: size - 8)) != nil,
            let trailer = try? handle.readToEnd(), trailer.count == 8, trailer.suffix(4).elementsEqual("PAR1".utf8)
        else { throw ParquetError(.corruptFile, "\(path) is not a Parquet file (no PAR1 magic)") }
        var footerLength: UInt64 = 0
        for (index, byte) in trailer.prefix(4).enumerated() { footerLength |= UInt64(byte) << (8 * UInt64(index)) }
        guard footerLength + 12 <= size, (try? handle.seek(toOffset: size - 8 - footerLength)) != nil,
            let footerBytes = try? handle.read(upToCount: Int(footerLength) + 8),
            footerBytes.count == Int(footerLength) + 8
        else { throw ParquetError(.corruptFile, "\(path): footer length \(footerLength) is impossible") }
        // `footer` expects the magic before the metadata; the file's first 4 bytes stand in.
        return try footer(Array("PAR1".utf8) + [UInt8](footerBytes), path: path).fields
    }

    /// The Thrift `FileMetaData` at the end of `bytes` (a whole file, or PAR1 + footer + length +
    /// PAR1).
    static func fileMetadata(_ bytes: [UInt8], path: String) throws(ParquetError) -> ThriftValue {
        var footerLength = 0
        for index in 0..<4 { footerLength |= Int(bytes[bytes.count - 8 + index]) << (8 * index) }
        let footerStart = bytes.count - 8 - footerLength
        guard footerStart >= 4 else {
            throw ParquetError(.corruptFile, "\(path): footer length \(footerLength) is impossible")
        }
        var reader = ThriftCompactReader(bytes, position: footerStart)
        return try reader.readStruct()
    }

    /// Parses the footer of a flat file.
    private static func footer(_ bytes: [UInt8], path: String) throws(ParquetError) -> (
        metadata: ThriftValue, fields: [ParquetField]
    ) {
        let metadata = try fileMetadata(bytes, path: path)

        let schema = metadata[2]?.list ?? []
        guard let root = schema.first, let leafCount = root[5]?.integer, schema.count == Int(leafCount) + 1 else {
            throw ParquetError(.unsupported, "\(path): only flat schemas are supported")
        }
        var fields: [ParquetField] = []
        for element in schema.dropFirst() {
            guard element[5] == nil, let name = element[4]?.string, let physical = element[1]?.integer else {
                throw ParquetError(.unsupported, "\(path): nested columns are not supported")
            }
            let optional = (element[3]?.integer ?? 0) == 1
            fields.append(ParquetField(name, try leafType(element, physical: physical, path: path), optional: optional))
        }
        return (metadata, fields)
    }

    /// The type of a leaf schema element of physical type `physical`.
    static func leafType(_ element: ThriftValue, physical: Int64, path: String) throws(ParquetError) -> ParquetType {
        let isTimestamp = element[10]?[8] != nil || element[6]?.integer == 9
        switch physical {
        case 0: return .boolean
        case 1: return .int32
        case 2: return isTimestamp ? .timestampMillis : .int64
        case 5: return .double
        case 6: return .string
        default:
            throw ParquetError(
                .unsupported, "\(path): column '\(element[4]?.string ?? "?")' has physical type \(physical)")
        }
    }

    // MARK: - Column chunks

    private static func readChunk(
        _ meta: ThriftValue, field: ParquetField, bytes: [UInt8], into column: inout ColumnAccumulator, path: String
    ) throws(ParquetError) {
        let codec = meta[4]?.integer ?? 0
        let valueCount = Int(meta[5]?.integer ?? 0)
        var position = Int(meta[11]?.integer ?? meta[9]?.integer ?? 0)
        var dictionary: ColumnAccumulator?
        var read = 0
        while read < valueCount {
            var reader = ThriftCompactReader(bytes, position: position)
            let header = try reader.readStruct()
            let compressedSize = Int(header[3]?.integer ?? 0)
            let uncompressedSize = Int(header[2]?.integer ?? 0)
            let bodyStart = reader.position
            guard compressedSize >= 0, bodyStart + compressedSize <= bytes.count else {
                throw ParquetError(
                    .corruptFile, "\(path): page of column '\(field.name)' runs past the end of the file")
            }
            let body = try decompress(
                bytes[bodyStart..<(bodyStart + compressedSize)], codec: codec, size: uncompressedSize, path: path)
            position = bodyStart + compressedSize
            switch header[1]?.integer {
            case 2:  // dictionary page
                var values = ColumnAccumulator(type: field.type)
                let count = Int(header[7]?[1]?.integer ?? 0)
                var cursor = 0
                try values.appendPlain(body, cursor: &cursor, count: count, presence: nil)
                dictionary = values
            case 0:  // data page v1
                guard let pageHeader = header[5] else {
                    throw ParquetError(.corruptFile, "\(path): data page without header")
                }
                let count = Int(pageHeader[1]?.integer ?? 0)
                let encoding = pageHeader[2]?.integer ?? 0
                var cursor = 0
                var presence: [Bool]?
                if field.isOptional {
                    guard body.count >= 4 else {
                        throw ParquetError(.corruptFile, "\(path): truncated definition levels")
                    }
                    var length = 0
                    for index in 0..<4 { length |= Int(body[index]) << (8 * index) }
                    guard 4 + length <= body.count else {
                        throw ParquetError(.corruptFile, "\(path): definition levels run past the page")
                    }
                    let levels = try HybridDecoder.decode(body[4..<(4 + length)], bitWidth: 1, count: count)
                    presence = levels.map { $0 == 1 }
                    cursor = 4 + length
                }
                let present = presence?.count(where: { $0 }) ?? count
                if encoding == 0 {
                    try column.appendPlain(body, cursor: &cursor, count: present, presence: presence)
                } else if encoding == 8 || encoding == 2 {
                    guard let dictionary else {
                        throw ParquetError(.corruptFile, "\(path): dictionary-encoded page without a dictionary")
                    }
                    guard cursor < body.count || present == 0 else {
                        throw ParquetError(.corruptFile, "\(path): empty dictionary page data")
                    }
                    let bitWidth = present == 0 ? 0 : Int(body[cursor])
                    let indices =
                        present == 0
                        ? [] : try HybridDecoder.decode(body[(cursor + 1)...], bitWidth: bitWidth, count: present)
                    let entries = dictionary.values.count
                    guard indices.allSatisfy({ Int($0) < entries }) else {
                        throw ParquetError(
                            .corruptFile, "\(path): column '\(field.name)' refers past its \(entries)-entry dictionary")
                    }
                    guard column.appendDictionary(dictionary, indices: indices, presence: presence) else {
                        throw ParquetError(
                            .corruptFile, "\(path): column '\(field.name)' has a dictionary of another type")
                    }
                } else {
                    throw ParquetError(.unsupported, "\(path): column '\(field.name)' uses encoding \(encoding)")
                }
                read += count
            default:
                throw ParquetError(
                    .unsupported, "\(path): page type \(String(describing: header[1]?.integer)) (only v1 data pages)")
            }
        }
    }

    static func decompress(_ input: ArraySlice<UInt8>, codec: Int64, size: Int, path: String)
        throws(ParquetError) -> [UInt8]
    {
        switch codec {
        case 0:
            return Array(input)
        case 6:
            var output = [UInt8](repeating: 0, count: size)
            let result = output.withUnsafeMutableBytes { out in
                input.withUnsafeBytes { source in
                    ZSTD_decompress(out.baseAddress, size, source.baseAddress, source.count)
                }
            }
            guard ZSTD_isError(result) == 0, result == size else {
                throw ParquetError(.corruptFile, "\(path): zstd page does not decompress to its stated size")
            }
            return output
        case 1:
            var output = [UInt8](repeating: 0, count: size)
            var length = size
            let status = output.withUnsafeMutableBytes { out in
                input.withUnsafeBytes { source in
                    snappy_uncompress(
                        source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count,
                        out.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
                }
            }
            guard status == SNAPPY_OK, length == size else {
                throw ParquetError(.corruptFile, "\(path): snappy page does not decompress to its stated size")
            }
            return output
        default:
            throw ParquetError(.unsupported, "\(path): compression codec \(codec)")
        }
    }
}

/// The RLE/bit-packed hybrid, decoding.
enum HybridDecoder {
    static func decode(_ data: ArraySlice<UInt8>, bitWidth: Int, count: Int) throws(ParquetError) -> [UInt32] {
        var values: [UInt32] = []
        values.reserveCapacity(count)
        var position = data.startIndex
        func varint() throws(ParquetError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < data.endIndex else { throw ParquetError(.corruptFile, "truncated RLE run header") }
                let byte = data[position]
                position += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        let byteWidth = (bitWidth + 7) / 8
        while values.count < count {
            let header = try varint()
            if header & 1 == 0 {
                let run = Int(header >> 1)
                guard position + byteWidth <= data.endIndex else {
                    throw ParquetError(.corruptFile, "truncated RLE run")
                }
                var value: UInt32 = 0
                for index in 0..<byteWidth { value |= UInt32(data[position + index]) << (8 * UInt32(index)) }
                position += byteWidth
                values.append(contentsOf: repeatElement(value, count: min(run, count - values.count)))
            } else {
                let groups = Int(header >> 1)
                let byteCount = groups * bitWidth
                guard position + byteCount <= data.endIndex else {
                    throw ParquetError(.corruptFile, "truncated bit-packed run")
                }
                var buffer: UInt64 = 0
                var bits = 0
                var cursor = position
                let mask: UInt64 = bitWidth == 0 ? 0 : (1 << UInt64(bitWidth)) - 1
                for _ in 0..<(groups * 8) {
                    while bits < bitWidth {
                        buffer |= UInt64(data[cursor]) << UInt64(bits)
                        cursor += 1
                        bits += 8
                    }
                    if values.count < count { values.append(UInt32(buffer & mask)) }
                    buffer >>= UInt64(bitWidth)
                    bits -= bitWidth
                }
                position += byteCount
            }
        }
        return values
    }
}

/// Values of one column as they are decoded.
struct ColumnAccumulator {
    var values: ParquetColumnValues

    init(type: ParquetType) {
        switch type {
        case .string: values = .strings([])
        case .int32: values = .int32s([])
        case .int64, .timestampMillis: values = .int64s([])
        case .double: values = .doubles([])
        case .boolean: values = .booleans([])
        }
    }

    /// Appends `count` PLAIN values, spread over `presence` (nil: all present).
    mutating func appendPlain(_ body: [UInt8], cursor: inout Int, count: Int, presence: [Bool]?) throws(ParquetError) {
        func need(_ size: Int) throws(ParquetError) {
            guard cursor + size <= body.count else {
                throw ParquetError(.corruptFile, "PLAIN values run past the page")
            }
        }
        func fixed<T: FixedWidthInteger>(_: T.Type) throws(ParquetError) -> T {
            try need(MemoryLayout<T>.size)
            var value: T = 0
            for index in 0..<MemoryLayout<T>.size { value |= T(body[cursor + index]) << (8 * index) }
            cursor += MemoryLayout<T>.size
            return value
        }
        // Each case drops the enum's reference before appending (`values = .booleans([])`): an
        // array still referenced twice is copied element by element on its next growth.
        switch values {
        case .strings(var list):
            values = .booleans([])
            var plain: [String] = []
            for _ in 0..<count {
                let length = Int(try fixed(UInt32.self))
                try need(length)
                plain.append(String(decoding: body[cursor..<(cursor + length)], as: UTF8.self))
                cursor += length
            }
            Self.spread(plain, presence, into: &list)
            values = .strings(list)
        case .int32s(var list):
            values = .booleans([])
            var plain: [Int32] = []
            for _ in 0..<count { plain.append(Int32(bitPattern: try fixed(UInt32.self))) }
            Self.spread(plain, presence, into: &list)
            values = .int32s(list)
        case .int64s(var list):
            values = .booleans([])
            var plain: [Int64] = []
            for _ in 0..<count { plain.append(Int64(bitPattern: try fixed(UInt64.self))) }
            Self.spread(plain, presence, into: &list)
            values = .int64s(list)
        case .doubles(var list):
            values = .booleans([])
            var plain: [Double] = []
            for _ in 0..<count { plain.append(Double(bitPattern: try fixed(UInt64.self))) }
            Self.spread(plain, presence, into: &list)
            values = .doubles(list)
        case .booleans(var list):
            values = .booleans([])
            try need((count + 7) / 8)
            var plain: [Bool] = []
            for index in 0..<count { plain.append(body[cursor + index / 8] & (1 << UInt8(index % 8)) != 0) }
            cursor += (count + 7) / 8
            Self.spread(plain, presence, into: &list)
            values = .booleans(list)
        }
    }

    /// Appends dictionary entries by index, spread over `presence`; false when the dictionary holds
    /// another type of value than the column.
    mutating func appendDictionary(_ dictionary: ColumnAccumulator, indices: [UInt32], presence: [Bool]?) -> Bool {
        // As in appendPlain, the enum lets go of the array before it grows (a switch on a tuple
        // would keep a second reference alive).
        switch values {
        case .strings(var list):
            guard case .strings(let entries) = dictionary.values else { return false }
            values = .booleans([])
            Self.gather(entries, indices, presence, into: &list)
            values = .strings(list)
            return true
        case .int32s(var list):
            guard case .int32s(let entries) = dictionary.values else { return false }
            values = .booleans([])
            Self.gather(entries, indices, presence, into: &list)
            values = .int32s(list)
            return true
        case .int64s(var list):
            guard case .int64s(let entries) = dictionary.values else { return false }
            values = .booleans([])
            Self.gather(entries, indices, presence, into: &list)
            values = .int64s(list)
            return true
        case .doubles(var list):
            guard case .doubles(let entries) = dictionary.values else { return false }
            values = .booleans([])
            Self.gather(entries, indices, presence, into: &list)
            values = .doubles(list)
            return true
        case .booleans(var list):
            guard case .booleans(let entries) = dictionary.values else { return false }
            values = .booleans([])
            Self.gather(entries, indices, presence, into: &list)
            values = .booleans(list)
            return true
        }
    }

    /// Appends the dictionary entry of each index, spread over `presence` (nil: all present).
    /// The caller has checked every index against the dictionary's size.
    private static func gather<T>(_ entries: [T?], _ indices: [UInt32], _ presence: [Bool]?, into list: inout [T?]) {
        guard let presence else {
            for index in indices { list.append(entries[Int(index)]) }
            return
        }
        var next = 0
        for isPresent in presence {
            if isPresent {
                list.append(entries[Int(indices[next])])
                next += 1
            } else {
                list.append(nil)
            }
        }
    }

    private static func spread<T>(_ plain: [T], _ presence: [Bool]?, into list: inout [T?]) {
        guard let presence else {
            list.append(contentsOf: plain.map(Optional.some))
            return
        }
        var next = 0
        for isPresent in presence {
            if isPresent {
                list.append(plain[next])
                next += 1
            } else {
                list.append(nil)
            }
        }
    }
}
