import Foundation
import SluiceCore
import SluiceModel
import SluiceRegistry

/// Loads a registered version's artifact from the artifact store (checking its hash) and
/// compiles it for scoring.
public enum ModelLoader {
    public static func scorer(for version: ModelVersion, artifacts: ArtifactStore) throws(RegistryError)
        -> XGBoostScorer
    {
        guard version.format == ModelRegistration.xgboostJSON else {
            throw RegistryError(
                .invalidArtifact,
                "\(version.model)/\(version.version) is \(version.format), which Sluice does not score")
        }
        let bytes = try artifacts.load(version.artifact)
        do {
            let scorer = XGBoostScorer(try XGBoostModel.parse(bytes))
            guard scorer.featureCount == version.signature.count else {
                throw RegistryError(
                    .invalidArtifact,
                    "\(version.model)/\(version.version)'s model has \(scorer.featureCount) features but its signature "
                        + "\(version.signature.count) columns")
            }
            return scorer
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.invalidArtifact, "\(version.model)/\(version.version): \(error)")
        }
    }
}
