import Logging
import SluiceCore
import SluiceModel
import SluiceRegistry
import SluiceRuntime
import Synchronization

/// The deployments a scoring server answers with: per model, its router and a compiled scorer
/// for every version it uses. A change replaces a model's whole entry at once, so a request sees
/// either the old deployment or the new one, never a mix.
public final class LiveDeployments: Sendable {
    /// One model's deployment, ready to score.
    public struct Live: Sendable {
        public let deployment: Deployment
        public let router: DeploymentRouter
        /// Every version the deployment uses, ready to score.
        let versions: [Int: ScoringVersion]
        /// The source field of the deployment's routing key (nil: the event has no such field).
        let routingKeyField: Int?
    }

    private let state = Mutex<[String: Live]>([:])
    private let registry: Registry
    private let artifacts: ArtifactStore
    private let topology: CompiledTopology
    private let logger: Logger

    /// - Parameter topology: the served topology, whose views the versions' columns name.
    public init(registry: Registry, artifacts: ArtifactStore, topology: CompiledTopology, logger: Logger) {
        self.registry = registry
        self.topology = topology
        self.artifacts = artifacts
        self.logger = logger
    }

    public func live(_ model: String) -> Live? { state.withLock { $0[model] } }

    /// Loads every current deployment; a model whose deployment did not change keeps its
    /// compiled scorers (artifacts are read and parsed only for what changed).
    /// - Returns: the registry's head sequence read before loading: follow the feed after it.
    @discardableResult
    public func loadAll() async throws(RegistryError) -> Int64 {
        let head = try await registry.headSequence()
        var loaded: [String: Live] = [:]
        for deployment in try await registry.deployments() {
            loaded[deployment.model] = try await compiled(deployment)
        }
        let dropped = state.withLock { state in
            let dropped = Set(state.keys).subtracting(loaded.keys)
            state = loaded
            return dropped
        }
        for (model, live) in loaded { ScoreMetrics.shared.deployed(model, live.deployment) }
        for model in dropped { ScoreMetrics.shared.deployed(model, nil) }
        return head
    }

    /// Reloads one model's deployment from the store (after a `deployment_changed` event).
    public func reload(model: String) async throws(RegistryError) {
        var live: Live?
        if let deployment = try await registry.deployment(model) { live = try await compiled(deployment) }
        let previous = state.withLock { state in
            let previous = state[model]?.deployment
            state[model] = live
            return previous
        }
        if previous != live?.deployment {
            ScoreMetrics.shared.deployed(model, live?.deployment)
            logger.notice(
                "deployment applied",
                metadata: ["model": "\(model)", "versions": "\(live?.deployment.versions ?? [])"])
        }
    }

    /// Reads, checks and compiles a version's artifact on a thread of its own: Swift concurrency's
    /// jobs run on the serving event loops, and a large model would hold one of them (and every
    /// request on its connections) for as long as it takes.
    private static func load(_ version: ModelVersion, artifacts: ArtifactStore) async throws(RegistryError)
        -> XGBoostScorer
    {
        do {
            return try await DedicatedThread.run(name: "sluice-model-load") {
                try ModelLoader.scorer(for: version, artifacts: artifacts)
            }
        } catch {
            throw error as? RegistryError
                ?? RegistryError(.invalidArtifact, "\(version.model)/\(version.version): \(error)")
        }
    }

    /// The live form of `deployment`: the current one when it is the same deployment.
    private func compiled(_ deployment: Deployment) async throws(RegistryError) -> Live {
        if let current = live(deployment.model), current.deployment == deployment { return current }
        var versions: [Int: ScoringVersion] = [:]
        for number in deployment.versions {
            let version = try await registry.version(deployment.model, number)
            versions[number] = ScoringVersion(
                scorer: try await Self.load(version, artifacts: artifacts), signature: version.signature,
                topology: topology)
        }
        return Live(
            deployment: deployment, router: DeploymentRouter(deployment), versions: versions,
            routingKeyField: topology.topology.source.fieldIndex(deployment.routingKey))
    }
}
