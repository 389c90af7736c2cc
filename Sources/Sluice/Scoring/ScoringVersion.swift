import SluiceCore
import SluiceModel
import SluiceOnlineStore

/// One model version ready to score on this server: its evaluator, its input columns, and where
/// each column lies among the topology's views, resolved once when the deployment is loaded, so
/// that a request neither splits column names nor searches vectors by name.
struct ScoringVersion: Sendable {
    /// Where a column's value lies: the view's position in the topology, the feature's in the
    /// view's vector.
    struct Source: Sendable {
        let view: Int
        let feature: Int
    }

    let scorer: XGBoostScorer
    /// Per signature column; nil when the topology has no such view or feature (always missing).
    let sources: [Source?]
    /// Each column's name as a JSON key (`"name":`), encoded once for answers and records.
    let quotedColumns: [[UInt8]]

    /// - Parameter signature: columns named as the feature log names them
    ///   (`FeatureLogLayout.columnName`); others are always missing.
    init(scorer: XGBoostScorer, signature: [String], topology: CompiledTopology) {
        self.scorer = scorer
        var sourcesByName: [String: Source] = [:]
        for (view, layout) in topology.layouts.enumerated() {
            for (feature, name) in layout.allFeatureNames.enumerated() {
                sourcesByName[FeatureLogLayout.columnName(view: layout.view.name, feature: name)] = Source(
                    view: view, feature: feature)
            }
        }
        sources = signature.map { sourcesByName[$0] }
        quotedColumns = signature.map { JSONBytes.quotedKey($0) }
    }

    /// The row in signature order: NaN where the column has no source, its view was not read
    /// (`positions[view]` is nil) or its value is null (an empty window).
    /// - Parameter positions: per topology view, the index of its vector in `vectors`.
    func row(_ vectors: [FeatureVector], positions: [Int?]) -> [Float] {
        sources.map { source in
            guard let source, let position = positions[source.view],
                let value = vectors[position].values[source.feature]
            else { return .nan }
            return Float(value)
        }
    }

    /// The row as the JSON object `"features": {column: value or null, ...}`.
    func writeFeatures(_ row: [Float], into json: inout JSONBytes) {
        json.beginObject("features")
        for (key, value) in zip(quotedColumns, row) { json.number(quotedKey: key, value.isNaN ? nil : Double(value)) }
        json.endObject()
    }
}
