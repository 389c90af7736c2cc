#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a Parquet file of nested rows (structs, maps, lists), such as a Delta checkpoint: each
/// row is shredded into its leaf columns' repetition and definition levels (the Dremel encoding
/// the format uses) as it is appended, and `write(to:)` puts everything in one row group with one
/// v1 data page per column, PLAIN values. Meant for files of thousands of rows, held in memory;
/// the feature log's flat files go through `ParquetWriter`.
public struct NestedParquetWriter {
    public let schema: [ParquetNode]
    public let options: ParquetWriterOptions
    public private(set) var rowCount = 0
    private var leaves: [LeafColumn] = []

    /// One leaf column: its path, highest levels, and levels and values so far.
    private struct LeafColumn {
        let path: [String]
        let maxRepetition: Int
        let maxDefinition: Int
        /// The declared field; values are buffered as required (nulls live in the levels).
        let field: ParquetField
        var values: ColumnBuffer
        var repetitionLevels: [UInt32] = []
        var definitionLevels: [UInt32] = []
        var nullCount = 0
    }

    public init(schema: [ParquetNode], options: ParquetWriterOptions = ParquetWriterOptions()) throws(ParquetError) {
        guard !schema.isEmpty else { throw ParquetError(.invalidSchema, "a Parquet schema needs at least one column") }
        self.schema = schema
        self.options = options
        for node in schema { try collectLeaves(node, path: [], repetition: 0, definition: 0) }
    }

    private mutating func collectLeaves(_ node: ParquetNode, path: [String], repetition: Int, definition: Int)
        throws(ParquetError)
    {
        guard !node.name.isEmpty else { throw ParquetError(.invalidSchema, "column names cannot be empty") }
        let repetition = repetition + (node.repetition == .repeated ? 1 : 0)
        let definition = definition + (node.repetition == .required ? 0 : 1)
        switch node {
        case .leaf(let name, let type, let nodeRepetition):
            guard nodeRepetition != .repeated else {
                throw ParquetError(.unsupported, "a repeated leaf ('\(name)'): use a list")
            }
            let field = ParquetField((path + [name]).joined(separator: "."), type, optional: false, dictionary: false)
            leaves.append(
                LeafColumn(
                    path: path + [name], maxRepetition: repetition, maxDefinition: definition,
                    field: ParquetField(name, type, optional: nodeRepetition == .optional),
                    values: ColumnBuffer(field: field)))
        case .group(let name, _, let kind, let children):
            guard !children.isEmpty else { throw ParquetError(.invalidSchema, "group '\(name)' has no children") }
            if kind != .plain {
                guard children.count == 1, case .group(_, .repeated, _, _) = children[0] else {
                    throw ParquetError(.invalidSchema, "\(kind) '\(name)' needs one repeated group inside")
                }
            }
            for child in children {
                try collectLeaves(child, path: path + [name], repetition: repetition, definition: definition)
            }
        }
    }

    /// Appends a row: one value per top-level node, in schema order.
    public mutating func append(_ row: [ParquetValue]) throws(ParquetError) {
        guard row.count == schema.count else {
            throw ParquetError(.invalidValue, "row \(rowCount) has \(row.count) values for \(schema.count) columns")
        }
        // A first pass only checks, so that a row that does not fit leaves no half-written levels.
        for dryRun in [true, false] {
            var leaf = 0
            for (node, value) in zip(schema, row) {
                try shred(node, value, repetition: 0, definition: 0, repeatedDepth: 0, leaf: &leaf, dryRun: dryRun)
            }
        }
        rowCount += 1
    }

    /// Shreds `value` into the leaves of `node`, which start at `leaf`: `repetition` is the level
    /// its first leaf value gets, `definition` the level of its present ancestors. A dry run only
    /// checks that the value fits.
    private mutating func shred(
        _ node: ParquetNode, _ value: ParquetValue, repetition: UInt32, definition: UInt32, repeatedDepth: UInt32,
        leaf: inout Int, dryRun: Bool
    ) throws(ParquetError) {
        if case .null = value {
            guard node.repetition == .optional else {
                throw ParquetError(.invalidValue, "'\(node.name)' is required and cannot hold null")
            }
            let count = Self.leafCount(node)
            if !dryRun { for index in leaf..<(leaf + count) { appendNull(index, repetition, definition) } }
            leaf += count
            return
        }
        let definition = definition + (node.repetition == .optional ? 1 : 0)
        switch node {
        case .leaf(let name, let type, _):
            try appendValue(value, to: leaf, named: name, type: type, dryRun: dryRun)
            if !dryRun {
                leaves[leaf].repetitionLevels.append(repetition)
                leaves[leaf].definitionLevels.append(definition)
            }
            leaf += 1
        case .group(let name, _, .plain, let children):
            guard case .group(let values) = value, values.count == children.count else {
                throw ParquetError(.invalidValue, "'\(name)' needs a struct of \(children.count) values")
            }
            for (child, childValue) in zip(children, values) {
                try shred(
                    child, childValue, repetition: repetition, definition: definition, repeatedDepth: repeatedDepth,
                    leaf: &leaf, dryRun: dryRun)
            }
        case .group(let name, _, let kind, let children):
            // LIST or MAP: each element or entry is one occurrence of the repeated group inside.
            let entries: [ParquetValue]
            switch (kind, value) {
            case (.list, .list(let elements)): entries = elements.map { .group([$0]) }
            case (.map, .map(let pairs)): entries = pairs.map { .group([.string($0.key), $0.value]) }
            default: throw ParquetError(.invalidValue, "'\(name)' needs a \(kind) value")
            }
            guard case .group(_, _, _, let entryFields) = children[0] else { return }
            guard !entries.isEmpty else {
                // Present but empty: the leaves below say so at this group's level.
                let count = Self.leafCount(node)
                if !dryRun { for index in leaf..<(leaf + count) { appendNull(index, repetition, definition) } }
                leaf += count
                return
            }
            let start = leaf
            for (position, entry) in entries.enumerated() {
                leaf = start
                guard case .group(let entryValues) = entry else { continue }
                for (child, childValue) in zip(entryFields, entryValues) {
                    try shred(
                        child, childValue, repetition: position == 0 ? repetition : repeatedDepth + 1,
                        definition: definition + 1, repeatedDepth: repeatedDepth + 1, leaf: &leaf, dryRun: dryRun)
                }
            }
        }
    }

    private mutating func appendNull(_ index: Int, _ repetition: UInt32, _ definition: UInt32) {
        leaves[index].repetitionLevels.append(repetition)
        leaves[index].definitionLevels.append(definition)
        leaves[index].nullCount += 1
    }

    private mutating func appendValue(
        _ value: ParquetValue, to index: Int, named name: String, type: ParquetType, dryRun: Bool
    ) throws(ParquetError) {
        switch (type, value) {
        case (.string, .string), (.int32, .int32), (.int64, .int64), (.timestampMillis, .int64), (.double, .double),
            (.boolean, .boolean):
            if dryRun { return }
        default: throw ParquetError(.invalidValue, "column '\(name)' holds \(type), not \(value)")
        }
        switch (type, value) {
        case (.string, .string(let text)): leaves[index].values.append(string: text)
        case (.int32, .int32(let number)): leaves[index].values.append(integer: Int64(number))
        case (.int64, .int64(let number)), (.timestampMillis, .int64(let number)):
            leaves[index].values.append(integer: number)
        case (.double, .double(let number)): leaves[index].values.append(double: number)
        case (.boolean, .boolean(let flag)): leaves[index].values.append(integer: flag ? 1 : 0)
        default: break
        }
    }

    private static func leafCount(_ node: ParquetNode) -> Int {
        switch node {
        case .leaf: 1
        case .group(_, _, _, let children): children.reduce(0) { $0 + leafCount($1) }
        }
    }

    // MARK: - The file

    /// Writes the rows appended so far to `path` (created or truncated), fsyncs it per the
    /// options and returns its size in bytes. A failed write removes the file.
    @discardableResult
    public func write(to path: String) throws(ParquetError) -> Int {
        let file = try OutputFile(creating: path)
        do {
            try file.write(OutputFile.parquetMagic)
            let compressor = try PageCompressor(options.compression, zstdLevel: options.zstdLevel)
            var group = RowGroupRecord(rowCount: rowCount, fileOffset: file.offset)
            for leaf in leaves {
                let offset = file.offset
                let (page, uncompressedSize) = try Self.page(leaf, compressor: compressor)
                try file.write(page)
                var statistics = ColumnStatistics(leaf.values)
                statistics.nullCount = leaf.nullCount
                group.columns.append(
                    ColumnChunkRecord(
                        field: leaf.field, path: leaf.path, codec: options.compression.codec, usesDictionary: false,
                        valueCount: leaf.definitionLevels.count, uncompressedSize: uncompressedSize,
                        compressedSize: page.count, dictionaryPageOffset: nil, dataPageOffset: offset,
                        statistics: statistics))
                group.uncompressedSize += uncompressedSize
                group.compressedSize += page.count
            }
            try file.finishParquet(
                footer: FileMetadataEncoder.encode(
                    schema: schemaElements(), rowCount: rowCount, rowGroups: [group], options: options),
                sync: options.fsyncOnClose)
            return file.offset
        } catch {
            file.discard()
            unlink(path)
            throw error
        }
    }

    /// One v1 data page: repetition levels, definition levels (each length-prefixed, RLE hybrid,
    /// absent when its highest level is 0), then the PLAIN values; with its header, compressed.
    private static func page(_ leaf: LeafColumn, compressor: PageCompressor) throws(ParquetError) -> (
        bytes: [UInt8], uncompressedSize: Int
    ) {
        var body: [UInt8] = []
        for (levels, highest) in [
            (leaf.repetitionLevels, leaf.maxRepetition), (leaf.definitionLevels, leaf.maxDefinition),
        ] where highest > 0 {
            let lengthAt = body.count
            body.append(contentsOf: [0, 0, 0, 0])
            HybridEncoder.encode(levels, bitWidth: HybridEncoder.bitWidth(forMax: highest), into: &body)
            let length = UInt32(body.count - lengthAt - 4)
            for byte in 0..<4 { body[lengthAt + byte] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(byte))) }
        }
        PlainEncoder.encode(leaf.values, values: 0..<leaf.values.valueCount, into: &body)
        var compressed: [UInt8] = []
        try compressor.compress(body, into: &compressed)
        var thrift = ThriftCompactWriter()
        thrift.beginStruct()
        thrift.field(1, i32: 0)  // DATA_PAGE
        thrift.field(2, i32: Int32(body.count))
        thrift.field(3, i32: Int32(compressed.count))
        thrift.field(5) { header in
            header.field(1, i32: Int32(leaf.definitionLevels.count))
            header.field(2, i32: ParquetEncoding.plain)
            header.field(3, i32: ParquetEncoding.rle)
            header.field(4, i32: ParquetEncoding.rle)
        }
        thrift.endStruct()
        return (thrift.bytes + compressed, thrift.bytes.count + body.count)
    }

    private func schemaElements() -> [SchemaElement] {
        var elements: [SchemaElement] = [.root(childCount: schema.count)]
        var leaf = 0
        func visit(_ node: ParquetNode) {
            switch node {
            case .leaf:
                elements.append(.leaf(leaves[leaf].field, repetition: node.repetition))
                leaf += 1
            case .group(let name, let repetition, let kind, let children):
                elements.append(.group(name: name, repetition: repetition, kind: kind, childCount: children.count))
                for child in children { visit(child) }
            }
        }
        for node in schema { visit(node) }
        return elements
    }
}
