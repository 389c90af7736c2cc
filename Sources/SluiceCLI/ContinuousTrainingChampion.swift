import ArgumentParser
import Foundation
import Sluice
import SluiceModel
import SluiceRegistry
import SluiceTraining

/// The champion a `sluice ct` step compares with: `--champion` if given, else the version the
/// policy's model is deployed with as champion, else none.
enum ContinuousTrainingChampion {
    /// Runs `body` with the registry and the champion's version (nil: none). No registry yet (a
    /// SQLite file not created) means no champion, and none is created.
    static func with<Value>(
        _ reference: String?, policy: TrainingPolicy, store: RegistryStoreOptions,
        _ body: (Registry?, ModelVersion?) async throws -> Value
    ) async throws -> Value {
        if reference == nil, case .sqlite(let path) = store.location, !FileManager.default.fileExists(atPath: path) {
            return try await body(nil, nil)
        }
        let registry: Registry
        do {
            registry = try await store.location.open()
        } catch {
            throw RegistryOptions.exit(error)
        }
        do {
            var version: ModelVersion?
            if let reference {
                version = try await ModelReference(reference).resolve(in: registry)
            } else if let deployed = try await registry.deployment(policy.model)?.champion {
                version = try await registry.version(policy.model, deployed)
            }
            let value = try await body(registry, version)
            await registry.database.close()
            return value
        } catch let error as RegistryError {
            await registry.database.close()
            throw RegistryOptions.exit(error)
        } catch {
            await registry.database.close()
            throw error
        }
    }
}
