import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceRegistry

/// Where the registry and its artifacts are, and who is acting.
struct RegistryOptions: ParsableArguments {
    @Option(
        help: """
            The registry: a SQLite file path, or postgres://user:password@host:port/db to share one. \
            (env: SLUICE_REGISTRY_URL; default: .sluice/registry.sqlite)
            """)
    var registry: String?
    @Option(
        help: "Folder of the content-addressed artifact store. (env: SLUICE_ARTIFACTS_DIR; default: .sluice/artifacts)")
    var artifacts: String?
    @Option(help: "Who is acting, recorded in every event. (env: SLUICE_ACTOR; default: the user name)")
    var actor: String?

    var location: RegistryLocation { RegistryLocation(registry) }

    var artifactStore: ArtifactStore {
        ArtifactStore(
            directory: artifacts ?? ProcessInfo.processInfo.environment["SLUICE_ARTIFACTS_DIR"] ?? ".sluice/artifacts")
    }

    var actorName: String {
        let environment = ProcessInfo.processInfo.environment
        return actor ?? environment["SLUICE_ACTOR"] ?? environment["USER"] ?? environment["LOGNAME"]
            ?? String(cString: getpwuid(getuid())?.pointee.pw_name ?? strdup("unknown"))
    }

    /// Opens the registry, runs `body`, closes it. A registry error is printed as one line on
    /// standard error and exits 3 for a lost `--expect-version` race, 1 otherwise.
    func withRegistry<Value>(_ body: (Registry) async throws -> Value) async throws -> Value {
        let registry: Registry
        do {
            registry = try await location.open()
        } catch {
            throw Self.exit(error)
        }
        do {
            let value = try await body(registry)
            await registry.database.close()
            return value
        } catch let error as RegistryError {
            await registry.database.close()
            throw Self.exit(error)
        } catch {
            await registry.database.close()
            throw error
        }
    }

    static func exit(_ error: RegistryError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        return ExitCode(error.code == .conflict ? 3 : 1)
    }
}
