import Foundation
import SluiceCore
import SluiceRegistry

/// The reference of `sluice drift run --reference-model NAME@ALIAS`: the training set in the
/// lineage of the version the alias points to, checked against the hash registered with it, so
/// that drift is measured against exactly what the serving model learnt from.
public struct ModelTrainingReference: Sendable, Equatable {
    public var model: String
    public var version: Int
    public var path: String

    /// Resolves `reference` now. Fails when the version has no training set in its lineage, or
    /// when the file is gone or no longer the one registered.
    public static func resolve(_ reference: ModelReference, in registry: Registry) async throws(RegistryError)
        -> ModelTrainingReference
    {
        let version = try await reference.resolve(in: registry)
        guard let trainingSet = version.lineage.trainingSet else {
            throw RegistryError(
                .invalidArgument,
                "\(version.model) version \(version.version) (\(reference)) has no training set in its lineage; register it with --training-set, or give --reference FILE"
            )
        }
        guard FileManager.default.fileExists(atPath: trainingSet.path) else {
            throw RegistryError(
                .invalidArgument,
                "the training set of \(version.model) version \(version.version), \(trainingSet.path), is not there any more"
            )
        }
        let found = try ArtifactStore.sha256(file: trainingSet.path)
        guard found.sha256 == trainingSet.sha256 else {
            throw RegistryError(
                .invalidArgument,
                "\(trainingSet.path) is not the training set registered with \(version.model) version \(version.version): its sha256 is \(found.sha256), the registry has \(trainingSet.sha256)"
            )
        }
        return ModelTrainingReference(model: version.model, version: version.version, path: trainingSet.path)
    }
}
