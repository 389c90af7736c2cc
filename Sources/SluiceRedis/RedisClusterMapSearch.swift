/// Finding a Redis Cluster's slot map, pure, for both cluster clients: which nodes to ask
/// (`CLUSTER SLOTS`), in order: the current map's nodes, masters first, then the configuration's
/// seeds; which answer to keep (the first serving every slot, else the one serving most); and the
/// error when none answered.
struct RedisClusterMapSearch {
    let candidates: [RedisClusterSlotMap.Node]
    private(set) var best: RedisClusterSlotMap?
    private var lastError: RedisError?
    private let displayURL: String

    init(current: RedisClusterSlotMap, configuration: RedisConfiguration) {
        var seen = Set<RedisClusterSlotMap.Node>()
        candidates = (current.nodes + (configuration.clusterSeeds ?? [])).filter { seen.insert($0).inserted }
        displayURL = configuration.displayURL
    }

    /// A node answered with `map`.
    mutating func answered(_ map: RedisClusterSlotMap) {
        if map.uncoveredSlots < (best?.uncoveredSlots ?? Int.max) { best = map }
    }

    /// A node could not be asked or gave no map.
    mutating func failed(_ error: RedisError) { lastError = error }

    /// A map serving every slot was found: no need to ask further.
    var isDone: Bool { best?.uncoveredSlots == 0 }

    /// The map found, once every candidate was asked or `isDone`.
    /// - Throws: `connectionFailed` (or `authenticationFailed`) when no node answered.
    func result() throws(RedisError) -> RedisClusterSlotMap {
        if let best { return best }
        throw RedisError(
            lastError?.code == .authenticationFailed ? .authenticationFailed : .connectionFailed,
            "no node of the Redis Cluster \(displayURL) answered CLUSTER SLOTS; is it running? "
                + "(scripts/stack cluster up starts a local one) Last error: \(lastError?.message ?? "no node to ask")")
    }
}
