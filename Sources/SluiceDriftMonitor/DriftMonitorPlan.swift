import SluiceCore
import SluiceDrift

/// Which stream feeds each column of the reference: a field of the topology's source topic (raw
/// transactions), a feature of the served vectors on the predictions topic
/// (`<view>__<feature>`), or the served score (`score`). Identifiers and times (the event id and
/// time fields, entity keys, a training set's `label*` columns, the feature log's `kafka_*`
/// columns) are left out unless asked for, since they differ by construction.
public struct DriftMonitorPlan: Sendable {
    public enum Source: Sendable, Equatable {
        /// A field of the source topic, by index in the topology's fields.
        case field(Int)
        case feature(String)
        case score
    }

    public struct Column: Sendable {
        public var name: String
        public var source: Source
        /// Numbers of a column compared as categories (monitor file `kind: categorical`).
        public var numbersAsCategories: Bool
    }

    public let reference: DriftReference
    /// Aligned with `reference.columns`.
    public let columns: [Column]
    public let transactionsTopic: String
    public let predictionsTopic: String
    /// Indexes into `columns` of the columns each topic feeds.
    public let transactionColumns: [Int]
    public let predictionColumns: [Int]
    public let settings: DriftMonitorSettings
    public let windowSize: Int64
    public let sampleCapacity: Int
    public let fingerprint: UInt64

    /// Columns of feature logs and training sets that are not inputs.
    public static let identifierColumns: Set<String> = [
        "event_id", "event_time", "label", "label_time", "label_status", "kafka_topic", "kafka_partition",
        "kafka_offset",
    ]

    /// - Parameters:
    ///   - reference: the reference file's columns (as `ParquetDriftComparison.reference` reads them).
    ///   - wanted: the columns to monitor; nil: every column of the reference but identifiers and
    ///     those the settings ignore.
    public init(
        topology: Topology, reference samples: [(name: String, sample: ColumnSample)], wanted: [String]?,
        settings: DriftMonitorSettings, predictionsTopic: String, windowSize: Int64,
        sampleCapacity: Int = ColumnWindowState.defaultSampleCapacity
    ) throws(DriftMonitorError) {
        let source = topology.source
        var identifiers = Self.identifierColumns.union([source.eventIdField, source.eventTimeField])
        identifiers.formUnion(topology.views.map(\.keyField))
        let names = settings.columns(wanted: wanted, reference: samples.map(\.name)).filter { name in
            wanted != nil || !identifiers.contains(name)
        }
        let features = Set(FeatureLogLayout(topology: topology).featureNames.map(FeatureLogLayout.columnName))
        var columns: [Column] = []
        var unmatched: [String] = []
        var missing: [String] = []
        for name in names {
            guard samples.contains(where: { $0.name == name }) else {
                missing.append(name)
                continue
            }
            let numbersAsCategories = settings.categoricalColumns.contains(name)
            if name == "score" {
                columns.append(Column(name: name, source: .score, numbersAsCategories: numbersAsCategories))
            } else if let index = source.fieldIndex(name) {
                columns.append(Column(name: name, source: .field(index), numbersAsCategories: numbersAsCategories))
            } else if features.contains(name) {
                columns.append(Column(name: name, source: .feature(name), numbersAsCategories: numbersAsCategories))
            } else {
                unmatched.append(name)
            }
        }
        if !missing.isEmpty {
            throw DriftMonitorError(
                .invalidPlan,
                "the reference has no column \(missing.joined(separator: ", ")) (asked for with --columns)")
        }
        if !unmatched.isEmpty {
            throw DriftMonitorError(
                .invalidPlan,
                "reference column\(unmatched.count == 1 ? "" : "s") \(unmatched.joined(separator: ", ")) match no stream: "
                    + "not a field of topic '\(source.topic)' (\(source.fields.map(\.name).joined(separator: ", "))), "
                    + "not a feature <view>__<feature> of topology '\(topology.name)', not 'score'; "
                    + "leave them out with --columns or 'ignore: true' in the monitor file")
        }
        guard !columns.isEmpty else {
            throw DriftMonitorError(.invalidPlan, "no column of the reference is left to monitor")
        }
        let bySample = Dictionary(samples.map { ($0.name, $0.sample) }, uniquingKeysWith: { first, _ in first })
        reference = DriftReference(columns: columns.map { ($0.name, bySample[$0.name]!) }, bins: settings.bins)
        self.columns = columns
        transactionsTopic = source.topic
        self.predictionsTopic = predictionsTopic
        transactionColumns = columns.indices.filter { if case .field = columns[$0].source { true } else { false } }
        predictionColumns = columns.indices.filter { if case .field = columns[$0].source { false } else { true } }
        self.settings = settings
        self.windowSize = windowSize
        self.sampleCapacity = sampleCapacity
        fingerprint = reference.fingerprint(extra: "window=\(windowSize);sample=\(sampleCapacity)")
    }

    /// The topics to read: the source topic when a raw field is monitored, the predictions topic
    /// when a feature or the score is.
    public var topics: [String] {
        (transactionColumns.isEmpty ? [] : [transactionsTopic]) + (predictionColumns.isEmpty ? [] : [predictionsTopic])
    }

    public func columnIndexes(of topic: String) -> [Int] {
        topic == transactionsTopic ? transactionColumns : predictionColumns
    }

    public var fingerprintText: String {
        let hex = String(fingerprint, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
