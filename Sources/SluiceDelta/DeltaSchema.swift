import Foundation

/// A table's schema as the Delta log records it (`metaData.schemaString`): a struct of flat,
/// primitive columns, in Spark SQL's JSON schema form.
public struct DeltaSchema: Sendable, Equatable {
    public enum ColumnType: String, Sendable, Equatable {
        case string, long, integer, double, float, boolean, timestamp, date
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        public var nullable: Bool

        public init(_ name: String, _ type: ColumnType, nullable: Bool = true) {
            self.name = name
            self.type = type
            self.nullable = nullable
        }
    }

    public var columns: [Column]

    public init(columns: [Column]) { self.columns = columns }

    public func column(named name: String) -> Column? { columns.first { $0.name == name } }

    /// This schema with the columns of `other` it lacks appended, in `other`'s order.
    public func adding(_ other: DeltaSchema) -> DeltaSchema {
        DeltaSchema(columns: columns + other.columns.filter { column(named: $0.name) == nil })
    }

    /// `{"type":"struct","fields":[{"name":…,"type":…,"nullable":…,"metadata":{}}]}`.
    public var json: String {
        let fields: [[String: Any]] = columns.map {
            ["name": $0.name, "type": $0.type.rawValue, "nullable": $0.nullable, "metadata": [String: Any]()]
        }
        return DeltaJSON.text(["type": "struct", "fields": fields])
    }

    /// Parses a schema string; nested or unknown types are refused by name.
    public init(json: String) throws(DeltaLogError) {
        guard let object = DeltaJSON.object(json), object["type"] as? String == "struct",
            let fields = object["fields"] as? [[String: Any]]
        else { throw DeltaLogError(.corrupt, "the table's schemaString is not a struct schema") }
        var columns: [Column] = []
        for field in fields {
            guard let name = field["name"] as? String else {
                throw DeltaLogError(.corrupt, "a field of the table's schema has no name")
            }
            guard let typeName = field["type"] as? String, let type = ColumnType(rawValue: typeName) else {
                throw DeltaLogError(
                    .unsupportedProtocol,
                    "column \(name) has a type Sluice does not read (\(field["type"].map { "\($0)" } ?? "none")); only flat primitive columns"
                )
            }
            columns.append(Column(name, type, nullable: field["nullable"] as? Bool ?? true))
        }
        self.columns = columns
    }
}
