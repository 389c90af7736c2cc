import Foundation
import SluiceCore
import SluiceModel
import SluiceOffline
import SluiceRegistry
import SluiceRuntime

/// Registers a model version from files: checks the artifact parses as its format, settles the
/// input columns, profiles the training set for lineage, stores the artifact by hash and then
/// commits the version. Nothing is registered unless every check passes; an artifact stored by a
/// registration that then fails is referenced by nothing.
public enum ModelRegistration {
    public static let xgboostJSON = "xgboost-json"
    public static let formats = [xgboostJSON]

    public static func register(
        _ request: ModelRegistrationRequest, registry: Registry, artifacts: ArtifactStore, actor: String
    ) async throws(RegistryError) -> ModelVersion {
        guard formats.contains(request.format) else {
            throw RegistryError(
                .invalidArgument, "format \(request.format) is not known; use one of \(formats.joined(separator: ", "))"
            )
        }
        guard let bytes = FileManager.default.contents(atPath: request.artifactPath) else {
            throw RegistryError(.invalidArtifact, "cannot read the artifact \(request.artifactPath)")
        }
        let model: XGBoostModel
        do {
            model = try XGBoostModel.parse(bytes)
        } catch {
            throw RegistryError(.invalidArtifact, "\(request.artifactPath): \(error.message)")
        }
        let signature = try signature(request.features, model: model)
        let trainingSet = try request.trainingSetPath.map { path throws(RegistryError) in
            try lineage(of: path, signature: signature)
        }
        let artifact = try artifacts.put(
            data: bytes, originalName: (request.artifactPath as NSString).lastPathComponent)
        let draft = ModelVersionDraft(
            model: request.model, format: request.format, artifact: artifact, signature: signature,
            metrics: request.metrics, tags: request.tags, description: request.description, trainingSet: trainingSet,
            sluiceVersion: SluiceVersion.current)
        return try await registry.register(draft, actor: actor)
    }

    /// `--features` if given (it must agree with names saved in the model), else the model's own
    /// feature names; either way one column per model feature.
    static func signature(_ features: [String]?, model: XGBoostModel) throws(RegistryError) -> [String] {
        let signature = features ?? model.featureNames
        guard !signature.isEmpty else {
            throw RegistryError(
                .invalidArgument,
                "the model was saved without feature names; pass its \(model.featureCount) input columns in order with "
                    + "--features card__txn_count_1h,...")
        }
        guard signature.count == model.featureCount else {
            throw RegistryError(
                .invalidArgument,
                "the model has \(model.featureCount) features but \(signature.count) columns were given")
        }
        if features != nil, !model.featureNames.isEmpty,
            let index = signature.indices.first(where: {
                signature[$0] != model.featureNames[$0]
            })
        {
            throw RegistryError(
                .invalidArgument,
                "--features disagrees with the model's feature names at position \(index + 1): \(signature[index]) "
                    + "vs \(model.featureNames[index]); leave --features out to use the model's")
        }
        return signature
    }

    static func lineage(of path: String, signature: [String]) throws(RegistryError) -> TrainingSetLineage {
        let profile: TrainingSetProfile
        do {
            profile = try TrainingSetProfile.read(path: path)
        } catch {
            throw RegistryError(.invalidArgument, error.message)
        }
        let missing = signature.filter { !profile.columns.contains($0) }
        guard missing.isEmpty else {
            throw RegistryError(
                .invalidArgument,
                "the training set \(path) has no column \(missing.joined(separator: ", ")): was the model trained on it?"
            )
        }
        let (hash, bytes) = try ArtifactStore.sha256(file: path)
        var lineage = TrainingSetLineage(
            path: path, sha256: hash, bytes: bytes, rows: profile.rows, labeled: profile.labeled,
            positives: profile.positives, unlabeled: profile.unlabeled, expired: profile.expired,
            labelsAsOf: profile.labelsAsOf, topologyName: profile.topologyName, topologyHash: profile.topologyHash,
            topic: profile.topic,
            partitions: profile.partitions.map {
                OffsetRange(
                    partition: $0.partition, firstOffset: $0.firstOffset, lastOffset: $0.lastOffset, rows: $0.rows)
            },
            firstEventTime: profile.firstEventTime, lastEventTime: profile.lastEventTime)
        lineage.tablePath = profile.tablePath
        lineage.tableID = profile.tableID
        lineage.tableVersion = profile.tableVersion
        return lineage
    }
}
