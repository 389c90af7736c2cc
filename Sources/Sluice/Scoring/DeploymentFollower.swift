import Logging
import ServiceLifecycle
import SluiceKafka
import SluiceRegistry
import SluiceRuntime

/// Keeps a server's `LiveDeployments` current: follows the registry's change feed and reloads a
/// model when a `deployment_changed` event arrives (within the feed's delivery time, well under a
/// second on a healthy broker), and reloads everything from the store every `resync` as a safety
/// net for a feed that is behind or lost. Runs until graceful shutdown.
struct DeploymentFollower: Service {
    let deployments: LiveDeployments
    let reader: RegistryFeedReader
    let after: Int64
    let resync: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await follow() }
                group.addTask { await resyncPeriodically() }
                await group.waitForAll()
            }
        }
    }

    private func follow() async {
        var position = after
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))
        while !Task.isCancelled {
            do {
                position = try await reader.read(after: position, follow: true) { event in
                    if case .deploymentChanged(let change) = event.change {
                        try await deployments.reload(model: change.model)
                    }
                }
                backoff.succeeded()
            } catch {
                if Task.isCancelled { return }
                let wait = backoff.failed()
                logger.warning(
                    "following the registry feed failed; retrying",
                    metadata: ["error": "\(error)", "retry_in": "\(wait)"])
                try? await Task.sleep(for: wait)
            }
        }
    }

    private func resyncPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: resync)
            if Task.isCancelled { return }
            do {
                try await deployments.loadAll()
            } catch {
                logger.warning("reloading deployments from the registry failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
