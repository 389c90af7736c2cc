/// How often a node of a nested schema occurs in its parent: the format's `FieldRepetitionType`.
public enum ParquetRepetition: Int32, Sendable {
    case required = 0
    case optional = 1
    case repeated = 2
}

/// A node of a nested Parquet schema: a leaf column or a group of nodes. Maps and lists take the
/// format's three-level shape (LogicalTypes.md: an outer annotated group, a repeated group, then
/// the key and value or the element), which Spark, Arrow and delta-rs all read.
public indirect enum ParquetNode: Sendable {
    case leaf(name: String, type: ParquetType, repetition: ParquetRepetition)
    case group(name: String, repetition: ParquetRepetition, kind: GroupKind, children: [ParquetNode])

    /// What a group stands for, which its annotation in the footer says.
    public enum GroupKind: Sendable {
        /// A struct: one child value per field.
        case plain
        /// `LIST`: the one child is a repeated group `list` with one child `element`.
        case list
        /// `MAP`: the one child is a repeated group `key_value` with children `key` and `value`.
        case map
    }

    public var name: String {
        switch self {
        case .leaf(let name, _, _), .group(let name, _, _, _): name
        }
    }

    public var repetition: ParquetRepetition {
        switch self {
        case .leaf(_, _, let repetition), .group(_, let repetition, _, _): repetition
        }
    }

    /// An optional struct of `fields`.
    public static func structure(_ name: String, optional: Bool = true, _ fields: [ParquetNode]) -> ParquetNode {
        .group(name: name, repetition: optional ? .optional : .required, kind: .plain, children: fields)
    }

    /// A column of one value.
    public static func column(_ name: String, _ type: ParquetType, optional: Bool = true) -> ParquetNode {
        .leaf(name: name, type: type, repetition: optional ? .optional : .required)
    }

    /// A map of required string keys to values of `valueType` (optional: they may be null).
    public static func map(_ name: String, value valueType: ParquetType, optional: Bool = true) -> ParquetNode {
        .group(
            name: name, repetition: optional ? .optional : .required, kind: .map,
            children: [
                .group(
                    name: "key_value", repetition: .repeated, kind: .plain,
                    children: [.column("key", .string, optional: false), .column("value", valueType)])
            ])
    }

    /// A list of elements of `elementType` (optional: they may be null).
    public static func list(_ name: String, element elementType: ParquetType, optional: Bool = true) -> ParquetNode {
        .group(
            name: name, repetition: optional ? .optional : .required, kind: .list,
            children: [
                .group(
                    name: "list", repetition: .repeated, kind: .plain, children: [.column("element", elementType)])
            ])
    }
}

/// A value of a nested row, shaped like the schema node it is written to.
public indirect enum ParquetValue: Sendable {
    case null
    case string(String)
    case int32(Int32)
    case int64(Int64)
    case double(Double)
    case boolean(Bool)
    /// A struct's field values, in the order of the node's children.
    case group([ParquetValue])
    /// A `LIST` node's elements.
    case list([ParquetValue])
    /// A `MAP` node's entries.
    case map([(key: String, value: ParquetValue)])

    /// A string, or null for nil.
    public static func optional(_ text: String?) -> ParquetValue { text.map(ParquetValue.string) ?? .null }

    /// A map of strings to strings (nil values are null), its keys sorted so that equal maps are
    /// written alike.
    public static func stringMap(_ entries: [String: String?]) -> ParquetValue {
        .map(entries.sorted { $0.key < $1.key }.map { (key: $0.key, value: ParquetValue.optional($0.value)) })
    }
}
