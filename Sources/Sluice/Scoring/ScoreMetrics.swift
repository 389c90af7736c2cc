import Metrics
import SluiceModel
import SluiceRuntime
import Synchronization

/// The scoring metrics: per model, variant and version, a counter of scores and a histogram of
/// their values, and the share of routing keys each deployed version gets. Handles are made once
/// per key and kept: making one goes through the metrics registry's lock and lookup.
final class ScoreMetrics: Sendable {
    static let shared = ScoreMetrics()

    private struct Key: Hashable {
        let model: String
        let variant: String
        let version: Int
    }

    private struct Handles {
        let count: Counter
        let distribution: Recorder
    }

    private let handles = Mutex<[Key: Handles]>([:])
    /// The share gauges set so far, so that a version leaving a deployment is set back to 0.
    private let shares = Mutex<[String: Set<Key>]>([:])

    func record(model: String, variant: String, version: Int, score: Float) {
        let key = Key(model: model, variant: variant, version: version)
        let handle = handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let dimensions = [("model", model), ("variant", variant), ("version", String(version))]
            let handle = Handles(
                count: Counter(label: SluiceMetrics.scores, dimensions: dimensions),
                distribution: Recorder(label: SluiceMetrics.scoreDistribution, dimensions: dimensions))
            handles[key] = handle
            return handle
        }
        handle.count.increment()
        handle.distribution.record(Double(score))
    }

    /// Sets the share gauges of `model` to what `deployment` gives each version (nil: none).
    func deployed(_ model: String, _ deployment: Deployment?) {
        var current: [Key: Double] = [:]
        if let deployment {
            let canary = deployment.canary?.percent ?? 0
            let arms = deployment.arms.reduce(0) { $0 + $1.percent }
            current[Key(model: model, variant: "champion", version: deployment.champion)] =
                deployment.arms.isEmpty ? 100 - canary : 100 - arms
            if let version = deployment.canary?.version {
                current[Key(model: model, variant: "canary", version: version)] = canary
            }
            for arm in deployment.arms {
                current[Key(model: model, variant: arm.name, version: arm.version)] = arm.percent
            }
            for shadow in deployment.shadows { current[Key(model: model, variant: "shadow", version: shadow)] = 0 }
        }
        let previous = shares.withLock { shares in
            let previous = shares[model] ?? []
            shares[model] = previous.union(current.keys)
            return previous
        }
        for key in previous.union(current.keys) {
            Gauge(
                label: SluiceMetrics.deploymentShare,
                dimensions: [("model", key.model), ("variant", key.variant), ("version", String(key.version))]
            ).record(current[key] ?? 0)
        }
    }
}
