import Foundation
import SluiceModel
import SluiceOffline
import SluiceRegistry
import SluiceTraining

/// The validation and evaluation steps of a continuous-training run against a champion, shared by
/// `sluice ct run` and the by-hand `sluice ct validate` and `sluice ct evaluate`.
public enum ChampionComparison {
    /// The findings of the training set at `path`: the columns `signature` names (default: the
    /// champion's), still computed by the newest registered version of the champion's topology,
    /// the rules' minimums, and label rate and null shares against `reference`.
    public static func validate(
        trainingSet path: String, champion: ModelVersion?, registry: Registry?, signature: [String]? = nil,
        reference: TrainingSetValidation.Facts?, rules: TrainingPolicy.Validation
    ) async throws -> [TrainingSetValidation.Finding] {
        let facts = try TrainingSetFactsReader.read(path: path)
        var topologyColumns: Set<String>?
        if let registry, let name = champion?.lineage.topology?.name,
            let topology = try await registry.latestTopology(named: name)
        {
            topologyColumns = Set(topology.document.columns.map(\.name))
        }
        return TrainingSetValidation.validate(
            facts, signature: signature ?? champion?.signature ?? [], topologyColumns: topologyColumns,
            reference: reference, rules: rules)
    }

    /// The champion's own training set: the file its lineage names while it is still there, else
    /// the counts registered with it (no null shares); nil without a champion or lineage.
    public static func referenceFacts(of champion: ModelVersion?) throws(OfflineError) -> TrainingSetValidation.Facts? {
        guard let lineage = champion?.lineage.trainingSet else { return nil }
        if FileManager.default.fileExists(atPath: lineage.path) {
            return try TrainingSetFactsReader.read(path: lineage.path)
        }
        return TrainingSetValidation.Facts(
            rows: lineage.rows, labeled: lineage.labeled, positives: lineage.positives, nullShares: [:])
    }

    /// A registered version as the holdout evaluation scores it.
    public static func evaluationModel(_ version: ModelVersion, artifacts: ArtifactStore) throws(RegistryError)
        -> HoldoutEvaluation.Model
    {
        HoldoutEvaluation.Model(
            scorer: try ModelLoader.scorer(for: version, artifacts: artifacts), signature: version.signature)
    }
}
