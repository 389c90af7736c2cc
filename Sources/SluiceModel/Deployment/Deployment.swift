/// How a model's scoring traffic goes to its versions: a champion answers, a canary or A/B arms
/// take shares of routing keys, and shadows score every request without ever answering.
///
/// Shares are in percent with two decimals (basis points of the 10,000 buckets `DeploymentRouter`
/// hashes routing keys into). Exactly one of these holds: no canary and no arms (all traffic to
/// the champion, blue/green), a canary (its share to it, the rest to the champion), or arms whose
/// shares add up to 100 (an A/B test; the champion answers requests without a routing key).
public struct Deployment: Sendable, Equatable, Codable {
    public struct Canary: Sendable, Equatable, Codable {
        public var version: Int
        public var percent: Double

        public init(version: Int, percent: Double) {
            self.version = version
            self.percent = percent
        }
    }

    public struct Arm: Sendable, Equatable, Codable {
        public var name: String
        public var version: Int
        public var percent: Double

        public init(name: String, version: Int, percent: Double) {
            self.name = name
            self.version = version
            self.percent = percent
        }
    }

    public var model: String
    public var champion: Int
    public var canary: Canary?
    public var arms: [Arm]
    public var shadows: [Int]
    /// The event field whose value routes a request (default: the topology's first view's key).
    public var routingKey: String
    /// Mixed into every key's hash: a new salt reshuffles which keys land where.
    public var salt: String
    /// Scores at or above it are decisions to decline: what the experiment report's precision
    /// and recall use.
    public var threshold: Double

    public init(
        model: String, champion: Int, canary: Canary? = nil, arms: [Arm] = [], shadows: [Int] = [],
        routingKey: String, salt: String, threshold: Double = 0.5
    ) {
        self.model = model
        self.champion = champion
        self.canary = canary
        self.arms = arms
        self.shadows = shadows
        self.routingKey = routingKey
        self.salt = salt
        self.threshold = threshold
    }

    /// Every version the deployment scores with, answering ones first.
    public var versions: [Int] {
        var all = [champion] + (canary.map { [$0.version] } ?? []) + arms.map(\.version) + shadows
        var seen = Set<Int>()
        all = all.filter { seen.insert($0).inserted }
        return all
    }

    /// Versions that may answer requests (what must be approved).
    public var answeringVersions: [Int] {
        Array(Set([champion] + (canary.map { [$0.version] } ?? []) + arms.map(\.version))).sorted()
    }

    /// Why the deployment cannot be, or nil when it is well formed.
    public var problem: String? {
        if canary != nil && !arms.isEmpty { return "a deployment has a canary or A/B arms, not both" }
        if let canary {
            if !(canary.percent > 0 && canary.percent < 100) {
                return "the canary's weight must be above 0 and below 100"
            }
            if canary.version == champion { return "the canary is the champion (version \(champion))" }
        }
        if !arms.isEmpty {
            if arms.count < 2 { return "an A/B split needs at least two arms" }
            if arms.contains(where: { !($0.percent > 0) }) { return "every arm needs a positive share" }
            let total = arms.reduce(0) { $0 + DeploymentRouter.basisPoints($1.percent) }
            if total != DeploymentRouter.buckets {
                return "the arms' shares add up to \(Double(total) / 100)%, not 100%"
            }
            if Set(arms.map(\.name)).count != arms.count { return "two arms have the same name" }
        }
        if shadows.contains(where: { answeringVersions.contains($0) }) {
            return "a shadow version also answers requests; a shadow only scores beside them"
        }
        if !(threshold >= 0 && threshold <= 1) { return "the decision threshold must be between 0 and 1" }
        return nil
    }
}
