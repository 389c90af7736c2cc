/// One leaf column of a nested Parquet file as stored: a repetition and a definition level per
/// entry, and the values of the entries that are defined all the way down.
public struct ParquetLeveledColumn: Sendable {
    /// From the top-level field to the leaf, e.g. ["add", "partitionValues", "key_value", "key"].
    public let path: [String]
    public let type: ParquetType
    public let maxRepetition: Int
    public let maxDefinition: Int
    /// The definition level at which each element of `path` is present (a required element
    /// adds no level): an entry whose level is below `pathDefinitionLevels[i]` has `path[i]` null
    /// or empty.
    public let pathDefinitionLevels: [Int]
    public internal(set) var repetitionLevels: [UInt8] = []
    public internal(set) var definitionLevels: [UInt8] = []
    /// One value per entry whose definition level is `maxDefinition`, in order (none is nil).
    public internal(set) var values: ParquetColumnValues
}

/// The leaf columns of a nested Parquet file and its row count.
public struct ParquetLeveledFile: Sendable {
    public let rowCount: Int
    public let columns: [ParquetLeveledColumn]

    /// The column at `path`, if the file has it.
    public func column(_ path: [String]) -> ParquetLeveledColumn? { columns.first { $0.path == path } }
}

extension ParquetReader {
    /// Reads every leaf of any Parquet file, nested or flat, with its levels (v1 and v2 data
    /// pages, PLAIN or dictionary values, uncompressed, snappy or zstd), for callers that
    /// assemble records themselves, such as the Delta checkpoint reader.
    public static func readLeveled(path: String) throws(ParquetError) -> ParquetLeveledFile {
        let bytes = try fileBytes(path)
        let metadata = try fileMetadata(bytes, path: path)
        var columns = try leveledColumns(metadata[2]?.list ?? [], path: path)
        var rowCount = 0
        for group in metadata[4]?.list ?? [] {
            rowCount += Int(group[3]?.integer ?? 0)
            let chunks = group[1]?.list ?? []
            guard chunks.count == columns.count else {
                throw ParquetError(
                    .corruptFile, "\(path): a row group has \(chunks.count) column chunks for \(columns.count) leaves")
            }
            for index in columns.indices {
                guard let meta = chunks[index][3] else {
                    throw ParquetError(.corruptFile, "\(path): column chunk \(index) has no metadata")
                }
                try readLeveledChunk(meta, into: &columns[index], bytes: bytes, path: path)
            }
        }
        return ParquetLeveledFile(rowCount: rowCount, columns: columns)
    }

    /// The leaves of the footer's schema list (a tree in depth-first order) with their levels.
    private static func leveledColumns(_ schema: [ThriftValue], path: String) throws(ParquetError)
        -> [ParquetLeveledColumn]
    {
        var columns: [ParquetLeveledColumn] = []
        var next = 1
        func visit(_ prefix: [String], _ levels: [Int], repetition: Int, definition: Int) throws(ParquetError) {
            guard next < schema.count else { throw ParquetError(.corruptFile, "\(path): the schema list ends early") }
            let element = schema[next]
            next += 1
            let name = element[4]?.string ?? ""
            let kind = element[3]?.integer ?? 0
            let repetition = repetition + (kind == 2 ? 1 : 0)
            let definition = definition + (kind == 0 ? 0 : 1)
            if let children = element[5]?.integer, children > 0 {
                for _ in 0..<children {
                    try visit(prefix + [name], levels + [definition], repetition: repetition, definition: definition)
                }
            } else {
                guard let physical = element[1]?.integer else {
                    throw ParquetError(.corruptFile, "\(path): leaf '\(name)' has no type")
                }
                let type = try leafType(element, physical: physical, path: path)
                columns.append(
                    ParquetLeveledColumn(
                        path: prefix + [name], type: type, maxRepetition: repetition, maxDefinition: definition,
                        pathDefinitionLevels: levels + [definition], values: ColumnAccumulator(type: type).values))
            }
        }
        let topLevel = schema.first?[5]?.integer ?? 0
        for _ in 0..<topLevel { try visit([], [], repetition: 0, definition: 0) }
        return columns
    }

    private static func readLeveledChunk(
        _ meta: ThriftValue, into column: inout ParquetLeveledColumn, bytes: [UInt8], path: String
    ) throws(ParquetError) {
        let name = column.path.joined(separator: ".")
        let codec = meta[4]?.integer ?? 0
        let valueCount = Int(meta[5]?.integer ?? 0)
        var position = Int(meta[11]?.integer ?? meta[9]?.integer ?? 0)
        var dictionary: ColumnAccumulator?
        var values = ColumnAccumulator(type: column.type)
        values.values = column.values
        var read = 0
        let repetitionWidth = HybridEncoder.bitWidth(forMax: column.maxRepetition)
        let definitionWidth = HybridEncoder.bitWidth(forMax: column.maxDefinition)
        while read < valueCount {
            var reader = ThriftCompactReader(bytes, position: position)
            let header = try reader.readStruct()
            let compressedSize = Int(header[3]?.integer ?? 0)
            let uncompressedSize = Int(header[2]?.integer ?? 0)
            let start = reader.position
            guard compressedSize >= 0, start + compressedSize <= bytes.count else {
                throw ParquetError(.corruptFile, "\(path): a page of column '\(name)' runs past the end of the file")
            }
            position = start + compressedSize
            let count: Int
            let body: [UInt8]
            var cursor = 0
            var repetition: [UInt32] = []
            var definition: [UInt32] = []
            let encoding: Int64
            switch header[1]?.integer {
            case 2:  // dictionary page
                let raw = try decompress(
                    bytes[start..<position], codec: codec, size: uncompressedSize, path: path)
                var entries = ColumnAccumulator(type: column.type)
                try entries.appendPlain(raw, cursor: &cursor, count: Int(header[7]?[1]?.integer ?? 0), presence: nil)
                dictionary = entries
                continue
            case 0:  // data page v1: levels and values compressed together, levels length-prefixed
                guard let pageHeader = header[5] else {
                    throw ParquetError(.corruptFile, "\(path): data page without header")
                }
                count = Int(pageHeader[1]?.integer ?? 0)
                encoding = pageHeader[2]?.integer ?? 0
                body = try decompress(bytes[start..<position], codec: codec, size: uncompressedSize, path: path)
                if column.maxRepetition > 0 {
                    repetition = try lengthPrefixedRuns(
                        body, &cursor, bitWidth: repetitionWidth, count: count, name, path)
                }
                if column.maxDefinition > 0 {
                    definition = try lengthPrefixedRuns(
                        body, &cursor, bitWidth: definitionWidth, count: count, name, path)
                }
            case 3:  // data page v2: levels first and never compressed, then the (maybe compressed) values
                guard let pageHeader = header[8] else {
                    throw ParquetError(.corruptFile, "\(path): data page without header")
                }
                count = Int(pageHeader[1]?.integer ?? 0)
                encoding = pageHeader[4]?.integer ?? 0
                let definitionLength = Int(pageHeader[5]?.integer ?? 0)
                let repetitionLength = Int(pageHeader[6]?.integer ?? 0)
                let isCompressed = (pageHeader[7]?.integer ?? 1) != 0
                let valuesStart = start + repetitionLength + definitionLength
                guard repetitionLength >= 0, definitionLength >= 0, valuesStart <= position else {
                    throw ParquetError(.corruptFile, "\(path): levels of '\(name)' run past the page")
                }
                if column.maxRepetition > 0 {
                    repetition = try HybridDecoder.decode(
                        bytes[start..<(start + repetitionLength)], bitWidth: repetitionWidth, count: count)
                }
                if column.maxDefinition > 0 {
                    definition = try HybridDecoder.decode(
                        bytes[(start + repetitionLength)..<valuesStart], bitWidth: definitionWidth, count: count)
                }
                body =
                    isCompressed
                    ? try decompress(
                        bytes[valuesStart..<position], codec: codec,
                        size: uncompressedSize - repetitionLength - definitionLength, path: path)
                    : Array(bytes[valuesStart..<position])
            default:
                throw ParquetError(
                    .unsupported, "\(path): page type \(String(describing: header[1]?.integer)) in column '\(name)'")
            }
            let defined =
                column.maxDefinition == 0 ? count : definition.count(where: { Int($0) == column.maxDefinition })
            if encoding == 0 {
                try values.appendPlain(body, cursor: &cursor, count: defined, presence: nil)
            } else if encoding == 3 && column.type == .boolean {
                // RLE booleans (v2 pages): length-prefixed hybrid runs of bit width 1, repacked
                // as PLAIN's bits.
                let bits = try lengthPrefixedRuns(body, &cursor, bitWidth: 1, count: defined, name, path)
                var packed = [UInt8](repeating: 0, count: (defined + 7) / 8)
                for (index, bit) in bits.enumerated() where bit != 0 { packed[index / 8] |= 1 << UInt8(index % 8) }
                var packedCursor = 0
                try values.appendPlain(packed, cursor: &packedCursor, count: defined, presence: nil)
            } else if encoding == 8 || encoding == 2 {
                guard let dictionary else {
                    throw ParquetError(.corruptFile, "\(path): dictionary-encoded page without a dictionary")
                }
                guard cursor < body.count || defined == 0 else {
                    throw ParquetError(.corruptFile, "\(path): empty dictionary page data")
                }
                let indices =
                    defined == 0
                    ? [] : try HybridDecoder.decode(body[(cursor + 1)...], bitWidth: Int(body[cursor]), count: defined)
                guard indices.allSatisfy({ Int($0) < dictionary.values.count }),
                    values.appendDictionary(dictionary, indices: indices, presence: nil)
                else {
                    throw ParquetError(.corruptFile, "\(path): column '\(name)' does not fit its dictionary")
                }
            } else {
                throw ParquetError(.unsupported, "\(path): column '\(name)' uses encoding \(encoding)")
            }
            column.repetitionLevels +=
                repetition.isEmpty ? Array(repeating: 0, count: count) : repetition.map(UInt8.init)
            column.definitionLevels +=
                definition.isEmpty ? Array(repeating: 0, count: count) : definition.map(UInt8.init)
            read += count
        }
        column.values = values.values
    }

    /// RLE/bit-packed hybrid runs after their 4-byte length (levels in v1 pages, RLE booleans).
    private static func lengthPrefixedRuns(
        _ body: [UInt8], _ cursor: inout Int, bitWidth: Int, count: Int, _ name: String, _ path: String
    ) throws(ParquetError) -> [UInt32] {
        guard cursor + 4 <= body.count else {
            throw ParquetError(.corruptFile, "\(path): column '\(name)' is truncated")
        }
        var length = 0
        for index in 0..<4 { length |= Int(body[cursor + index]) << (8 * index) }
        guard cursor + 4 + length <= body.count else {
            throw ParquetError(.corruptFile, "\(path): runs of column '\(name)' run past the page")
        }
        let runs = try HybridDecoder.decode(
            body[(cursor + 4)..<(cursor + 4 + length)], bitWidth: bitWidth, count: count)
        cursor += 4 + length
        return runs
    }
}
