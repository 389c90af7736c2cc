import SluiceCore

/// Sends each request to a version of its deployment by its routing key, stickily: the key and the
/// deployment's salt are hashed (`StableHash`: FNV-1a over the UTF-8 bytes of salt, U+001F and
/// the key, then the SplitMix64 finalizer) into one of 10,000 buckets. A canary at p% takes
/// buckets 0 ..< 100·p; A/B arms take consecutive ranges in their listed order. So a key keeps
/// its variant while the weights stay, and raising a canary's weight only moves keys to it.
public struct DeploymentRouter: Sendable {
    public static let buckets = 10_000

    /// Where one request goes: the answering version and its variant name (`champion`, `canary`,
    /// or an arm's name).
    public struct Route: Sendable, Equatable {
        public var version: Int
        public var variant: String

        public init(version: Int, variant: String) {
            self.version = version
            self.variant = variant
        }
    }

    public let deployment: Deployment
    private let canaryBuckets: Int
    private let armEnds: [Int]

    public init(_ deployment: Deployment) {
        self.deployment = deployment
        canaryBuckets = deployment.canary.map { Self.basisPoints($0.percent) } ?? 0
        var end = 0
        armEnds = deployment.arms.map { arm in
            end += Self.basisPoints(arm.percent)
            return end
        }
    }

    public static func bucket(salt: String, key: String) -> Int {
        Int(StableHash.hash(salt + "\u{1F}" + key) % UInt64(buckets))
    }

    /// A percentage with two decimals as a count of buckets.
    public static func basisPoints(_ percent: Double) -> Int { Int((percent * 100).rounded()) }

    /// The route of a request whose routing key is `key` (nil: the champion answers).
    public func route(key: String?) -> Route {
        guard let key else { return Route(version: deployment.champion, variant: "champion") }
        let bucket = Self.bucket(salt: deployment.salt, key: key)
        if let canary = deployment.canary {
            return bucket < canaryBuckets
                ? Route(version: canary.version, variant: "canary")
                : Route(version: deployment.champion, variant: "champion")
        }
        if !deployment.arms.isEmpty {
            let index = armEnds.firstIndex { bucket < $0 } ?? deployment.arms.count - 1
            return Route(version: deployment.arms[index].version, variant: deployment.arms[index].name)
        }
        return Route(version: deployment.champion, variant: "champion")
    }
}
