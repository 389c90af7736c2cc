/// What the footer records about one column chunk.
struct ColumnChunkRecord {
    var field: ParquetField
    /// The column's path from the root: its name alone in a flat schema.
    var path: [String]
    var codec: Int32
    var usesDictionary: Bool
    var valueCount: Int
    var uncompressedSize: Int
    var compressedSize: Int
    var dictionaryPageOffset: Int?
    var dataPageOffset: Int
    var statistics: ColumnStatistics
}

/// What the footer records about one row group.
struct RowGroupRecord {
    var rowCount: Int
    var fileOffset: Int
    var columns: [ColumnChunkRecord] = []
    var uncompressedSize = 0
    var compressedSize = 0
}

/// One element of the footer's schema list, which holds a schema tree in depth-first order.
enum SchemaElement {
    /// The message itself, first in the list.
    case root(childCount: Int)
    case group(name: String, repetition: ParquetRepetition, kind: ParquetNode.GroupKind, childCount: Int)
    case leaf(ParquetField, repetition: ParquetRepetition)

    /// A flat schema's elements: the root, then one leaf per column.
    static func flat(_ schema: [ParquetField]) -> [SchemaElement] {
        [.root(childCount: schema.count)]
            + schema.map { .leaf($0, repetition: $0.isOptional ? .optional : .required) }
    }
}

/// Encodes the Thrift `FileMetaData` footer (format version 1).
enum FileMetadataEncoder {
    static func encode(
        schema: [SchemaElement], rowCount: Int, rowGroups: [RowGroupRecord], options: ParquetWriterOptions
    ) -> [UInt8] {
        let leafCount = schema.count { if case .leaf = $0 { true } else { false } }
        var thrift = ThriftCompactWriter(reservingCapacity: 1024 + 256 * schema.count * max(1, rowGroups.count))
        thrift.beginStruct()
        thrift.field(1, i32: 1)
        thrift.field(2, structList: schema) { element, node in
            switch node {
            case .root(let childCount):
                element.field(4, string: "schema")
                element.field(5, i32: Int32(childCount))
            case .group(let name, let repetition, let kind, let childCount):
                element.field(3, i32: repetition.rawValue)
                element.field(4, string: name)
                element.field(5, i32: Int32(childCount))
                switch kind {
                case .plain: break
                case .map:
                    element.field(6, i32: 1)  // MAP
                    element.field(10) { logical in logical.field(2) { _ in } }
                case .list:
                    element.field(6, i32: 3)  // LIST
                    element.field(10) { logical in logical.field(3) { _ in } }
                }
            case .leaf(let field, let repetition):
                writeSchemaElement(field, repetition: repetition, to: &element)
            }
        }
        thrift.field(3, i64: Int64(rowCount))
        thrift.field(4, structList: rowGroups) { element, group in
            element.field(1, structList: group.columns) { chunk, column in
                writeColumnChunk(column, to: &chunk)
            }
            element.field(2, i64: Int64(group.uncompressedSize))
            element.field(3, i64: Int64(group.rowCount))
            element.field(5, i64: Int64(group.fileOffset))
            element.field(6, i64: Int64(group.compressedSize))
        }
        if !options.metadata.isEmpty {
            thrift.field(5, structList: options.metadata) { element, pair in
                element.field(1, string: pair.key)
                element.field(2, string: pair.value)
            }
        }
        thrift.field(6, string: options.createdBy)
        // TYPE_ORDER for every column: readers then trust min_value/max_value.
        thrift.field(7, structList: Array(0..<leafCount)) { element, _ in
            element.field(1) { _ in }
        }
        thrift.endStruct()
        return thrift.bytes
    }

    private static func writeSchemaElement(
        _ field: ParquetField, repetition: ParquetRepetition, to thrift: inout ThriftCompactWriter
    ) {
        thrift.field(1, i32: field.type.physicalType)
        thrift.field(3, i32: repetition.rawValue)
        thrift.field(4, string: field.name)
        if let converted = field.type.convertedType { thrift.field(6, i32: converted) }
        switch field.type {
        case .string:
            thrift.field(10) { logical in logical.field(1) { _ in } }
        case .int32, .int64:
            thrift.field(10) { logical in
                logical.field(10) { integer in
                    integer.field(1, byte: field.type == .int32 ? 32 : 64)
                    integer.field(2, bool: true)
                }
            }
        case .timestampMillis:
            thrift.field(10) { logical in
                logical.field(8) { timestamp in
                    timestamp.field(1, bool: true)
                    timestamp.field(2) { unit in unit.field(1) { _ in } }
                }
            }
        case .double, .boolean:
            break
        }
    }

    private static func writeColumnChunk(_ column: ColumnChunkRecord, to thrift: inout ThriftCompactWriter) {
        thrift.field(2, i64: Int64(column.dictionaryPageOffset ?? column.dataPageOffset))
        thrift.field(3) { meta in
            meta.field(1, i32: column.field.type.physicalType)
            meta.field(
                2,
                i32List: column.usesDictionary
                    ? [ParquetEncoding.plain, ParquetEncoding.rle, ParquetEncoding.rleDictionary]
                    : [ParquetEncoding.plain, ParquetEncoding.rle])
            meta.field(3, stringList: column.path)
            meta.field(4, i32: column.codec)
            meta.field(5, i64: Int64(column.valueCount))
            meta.field(6, i64: Int64(column.uncompressedSize))
            meta.field(7, i64: Int64(column.compressedSize))
            meta.field(9, i64: Int64(column.dataPageOffset))
            if let dictionaryOffset = column.dictionaryPageOffset { meta.field(11, i64: Int64(dictionaryOffset)) }
            meta.field(12) { statistics in column.statistics.write(to: &statistics) }
        }
    }
}
