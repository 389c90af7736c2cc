/// The columns of a topology's feature log, in file order:
/// `event_id, event_time, <entity keys>, kafka_topic, kafka_partition, kafka_offset, <view>__<feature> ...`.
public struct FeatureLogLayout: Sendable {
    public enum Kind: Sendable, Equatable {
        case string, timestampMillis, int32, int64, double
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var kind: Kind
        public var optional: Bool
    }

    public let columns: [Column]
    /// Source field indexes of the entity keys (each key field once, in view order).
    public let keyFields: [Int]
    /// (view, feature) names of the feature columns.
    public let featureNames: [(view: String, feature: String)]

    public init(topology: Topology) {
        var keyFields: [Int] = []
        for view in topology.views {
            if let index = topology.source.fieldIndex(view.keyField), !keyFields.contains(index) {
                keyFields.append(index)
            }
        }
        var columns = [
            Column(name: "event_id", kind: .string, optional: false),
            Column(name: "event_time", kind: .timestampMillis, optional: false),
        ]
        columns += keyFields.map { Column(name: topology.source.fields[$0].name, kind: .string, optional: true) }
        columns += [
            Column(name: "kafka_topic", kind: .string, optional: false),
            Column(name: "kafka_partition", kind: .int32, optional: false),
            Column(name: "kafka_offset", kind: .int64, optional: false),
        ]
        var featureNames: [(view: String, feature: String)] = []
        for view in topology.views {
            // Stored features, then on-demand ones computed from the event's own fields.
            for name in view.features.map(\.name) + view.onDemand.map(\.name) {
                featureNames.append((view.name, name))
                columns.append(
                    Column(name: Self.columnName(view: view.name, feature: name), kind: .double, optional: true))
            }
        }
        self.columns = columns
        self.keyFields = keyFields
        self.featureNames = featureNames
    }

    /// `<view>__<feature>`: unambiguous, and a plain SQL identifier.
    public static func columnName(view: String, feature: String) -> String { "\(view)__\(feature)" }

    /// Index of the first feature column.
    public var firstFeatureColumn: Int { columns.count - featureNames.count }
}
