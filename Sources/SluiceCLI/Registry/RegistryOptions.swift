import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceRegistry
import SluiceRuntime

/// Where the registry, its artifacts and its change feed are.
struct RegistryStoreOptions: ParsableArguments {
    @Option(
        help: """
            The registry: a SQLite file path, or postgres://user:password@host:port/db to share one. \
            (env: SLUICE_REGISTRY_URL; default: .sluice/registry.sqlite)
            """)
    var registry: String?
    @Option(
        help: "Folder of the content-addressed artifact store. (env: SLUICE_ARTIFACTS_DIR; default: .sluice/artifacts)")
    var artifacts: String?
    @Option(help: "The change-feed topic. (env: SLUICE_REGISTRY_TOPIC; default: sluice.registry)")
    var feedTopic: String?

    var topic: String {
        feedTopic ?? ProcessInfo.processInfo.environment["SLUICE_REGISTRY_TOPIC"] ?? RegistryFeedPublisher.defaultTopic
    }

    var location: RegistryLocation { RegistryLocation(registry) }

    var artifactStore: ArtifactStore {
        ArtifactStore(
            directory: artifacts ?? ProcessInfo.processInfo.environment["SLUICE_ARTIFACTS_DIR"] ?? ".sluice/artifacts")
    }
}

/// The registry commands' options: the store, the broker of its change feed, and who is acting.
struct RegistryOptions: ParsableArguments {
    @OptionGroup var store: RegistryStoreOptions
    @Option(help: "Who is acting, recorded in every event. (env: SLUICE_ACTOR; default: the user name)")
    var actor: String?
    @Flag(help: "Do not publish this change to the change feed now (`sluice serve` or `sluice registry publish` will).")
    var noPublish = false
    @OptionGroup var connection: ConnectionOptions

    var topic: String { store.topic }
    var location: RegistryLocation { store.location }
    var artifactStore: ArtifactStore { store.artifactStore }

    var actorName: String {
        let environment = ProcessInfo.processInfo.environment
        return actor ?? environment["SLUICE_ACTOR"] ?? environment["USER"] ?? environment["LOGNAME"]
            ?? String(cString: getpwuid(getuid())?.pointee.pw_name ?? strdup("unknown"))
    }

    /// Opens the registry, runs `body`, closes it. After a write (`publish`), the new events go to
    /// the change feed unless --no-publish; a broker that does not answer only earns a warning, as
    /// the store has committed and the feed catches up later. A registry error is printed as one
    /// line on standard error and exits 3 for a lost `--expect-version` race, 1 otherwise.
    func withRegistry<Value>(publish: Bool = false, _ body: (Registry) async throws -> Value) async throws -> Value {
        let registry: Registry
        do {
            registry = try await location.open()
        } catch {
            throw Self.exit(error)
        }
        do {
            let value = try await body(registry)
            if publish && !noPublish { await publishFeed(registry) }
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

    private func publishFeed(_ registry: Registry) async {
        var logger = Logger(label: "sluice.registry.feed")
        logger.logLevel = .critical
        var failure: (any Error)?
        do {
            let publisher = try RegistryFeedPublisher(
                registry: registry, client: connection.settings.kafkaClient, topic: topic, logger: logger)
            do {
                _ = try await publisher.publishPending(timeout: .seconds(3))
            } catch {
                failure = error
            }
            await publisher.close(flushTimeout: failure == nil ? .seconds(2) : .zero)
        } catch {
            failure = error
        }
        guard let failure else { return }
        let behind = ((try? await registry.headSequence()) ?? 0) - ((try? await registry.feedPosition()) ?? 0)
        FileHandle.standardError.write(
            Data(
                ("warning: committed, but the change feed \(topic) is \(behind) event\(behind == 1 ? "" : "s") behind "
                    + "(\(failure)); `sluice serve` or `sluice registry publish` publishes them when the broker is back\n")
                    .utf8))
    }

    static func exit(_ error: RegistryError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        return ExitCode(error.code == .conflict ? 3 : 1)
    }
}
