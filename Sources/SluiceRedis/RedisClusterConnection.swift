import Dispatch
import Logging
import Synchronization

/// A blocking client of a Redis Cluster: one `RedisConnection` per master, commands routed by
/// their key's slot.
///
/// The slot map is read with `CLUSTER SLOTS` from the first node that answers (the map's own
/// nodes, then the configuration's seeds) when the client starts, after a `MOVED` reply, and
/// after a node failed. A pipeline is split by node and each node's share is written and read on
/// its own thread, so a call takes about as long as its slowest node. `MOVED` and `ASK`
/// redirections are followed (up to five rounds). A node that cannot be reached fails the call
/// with its error (the reconnect policy's attempts and backoff apply per node); so does a slot
/// that no master serves (`clusterUnavailable`): retrying is the caller's choice.
///
/// Not thread-safe: one client per thread.
public final class RedisClusterConnection: RedisCommandClient {
    public let configuration: RedisConfiguration
    private let logger: Logger
    private var map: RedisClusterSlotMap
    private var mapIsStale = false
    private var connections: [RedisClusterSlotMap.Node: RedisConnection] = [:]
    /// How long a node waits for its replica to confirm writes that must be durable.
    public var replicaWaitLimit: Duration = .seconds(2)

    /// Connects to the first seed that answers and reads the slot map.
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "sluice.redis.cluster"))
        throws(RedisError)
    {
        precondition(configuration.clusterSeeds != nil, "a cluster configuration lists its seed nodes")
        self.configuration = configuration
        self.logger = logger
        self.map = RedisClusterSlotMap(ranges: [])
        try refreshMap()
    }

    /// The slot map in use.
    public var slotMap: RedisClusterSlotMap { map }

    /// This configuration aimed at each master (for commands every node must run, such as SCAN).
    public var masterConfigurations: [RedisConfiguration] { map.masters.map { configuration.node($0) } }

    public var supportsTransactionsAcrossKeys: Bool { false }

    public var isConnected: Bool { !mapIsStale }

    public func execute(parts: some Collection<RedisPipeline>) throws(RedisError) -> [RedisValue] {
        try run(parts, replicaWait: nil)
    }

    public func execute(parts: [RedisPipeline], thenDurably last: RedisPipeline) throws(RedisError) -> [RedisValue] {
        var replies = try run(parts, replicaWait: replicaWaitLimit)
        replies += try run(CollectionOfOne(last), replicaWait: nil)
        return replies
    }

    /// MULTI/EXEC on the node of the first key; the node refuses keys of other slots (CROSSSLOT).
    public func transaction(parts: some Collection<RedisPipeline>) throws(RedisError) -> [RedisValue] {
        let slot = parts.lazy.flatMap { RedisCommandSpan.spans(of: $0) }.compactMap(\.slot).first
        if mapIsStale { try refreshMap() }
        guard let node = slot.map({ map.master(ofSlot: $0) }) ?? map.masters.first else {
            throw RedisError(.clusterUnavailable, "no node of the Redis Cluster serves the transaction's slot")
        }
        return try onNode(node) { connection throws(RedisError) in try connection.transaction(parts: parts) }
    }

    public func disconnect() {
        connections.removeAll()
        mapIsStale = true
    }

    // MARK: - Routing

    private func run(_ parts: some Collection<RedisPipeline>, replicaWait: Duration?) throws(RedisError)
        -> [RedisValue]
    {
        if mapIsStale { try refreshMap() }
        do throws(RedisError) {
            return try route(
                RedisClusterRound.commands(of: parts), replicaWait: replicaWait,
                whole: parts.count == 1 ? parts.first : nil)
        } catch {
            // A slot without a master, CLUSTERDOWN, or a replica that did not confirm: the map
            // may be out of date (a failover, a replica the cluster has since marked failed).
            if error.code == .clusterUnavailable { mapIsStale = true }
            throw error
        }
    }

    private func route(_ commands: [RedisClusterRound.Command], replicaWait: Duration?, whole: RedisPipeline?)
        throws(RedisError) -> [RedisValue]
    {
        var commands = commands
        var results = [RedisValue?](repeating: nil, count: commands.count)
        var round = 0
        while !commands.isEmpty {
            round += 1
            try RedisClusterRound.checkRound(round, commands: commands.count)
            let plan = try RedisClusterRound(
                commands: commands, map: map, replicaWait: replicaWait, whole: round == 1 ? whole : nil)
            let replies = try send(plan.requests)
            var redirected: [RedisClusterRound.Command] = []
            for position in plan.requests.indices {
                redirected += try plan.absorb(replies[position], of: position, into: &results)
            }
            if redirected.contains(where: { $0.redirect?.kind == .moved }) { try refreshMap() }
            commands = redirected.sorted { $0.index < $1.index }
        }
        return results.map { $0! }
    }

    /// Sends each node its pipeline, on threads of their own when there are several.
    private func send(_ requests: [RedisClusterRound.NodeRequest]) throws(RedisError) -> [[RedisValue]] {
        var connectionsUsed: [RedisConnection] = []
        for request in requests {
            do throws(RedisError) {
                connectionsUsed.append(try connection(to: request.node))
            } catch {
                failed(request.node, error)
                throw error
            }
        }
        if requests.count == 1 {
            return [try onNode(requests[0].node) { c throws(RedisError) in try c.execute(requests[0].pipeline) }]
        }
        let outcomes = NodeOutcomes(count: requests.count)
        let connections = UncheckedConnections(connectionsUsed)
        DispatchQueue.concurrentPerform(iterations: requests.count) { position in
            do throws(RedisError) {
                outcomes.set(position, .success(try connections.list[position].execute(requests[position].pipeline)))
            } catch {
                outcomes.set(position, .failure(error))
            }
        }
        var replies: [[RedisValue]] = []
        for (position, outcome) in outcomes.results.enumerated() {
            switch outcome {
            case .success(let nodeReplies): replies.append(nodeReplies)
            case .failure(let error):
                failed(requests[position].node, error)
                throw error
            case nil: preconditionFailure("every node's outcome is set")
            }
        }
        return replies
    }

    private func onNode<T>(_ node: RedisClusterSlotMap.Node, _ body: (RedisConnection) throws(RedisError) -> T)
        throws(RedisError) -> T
    {
        do throws(RedisError) {
            return try body(try connection(to: node))
        } catch {
            failed(node, error)
            throw error
        }
    }

    private func failed(_ node: RedisClusterSlotMap.Node, _ error: RedisError) {
        guard error.isRetriable else { return }
        connections[node] = nil
        mapIsStale = true
        logger.warning(
            "Redis Cluster node failed; the slot map is read again before the next command",
            metadata: ["node": "\(node)", "error": "\(error.message)"])
    }

    private func connection(to node: RedisClusterSlotMap.Node) throws(RedisError) -> RedisConnection {
        if let connection = connections[node] { return connection }
        let connection = try RedisConnection(configuration: configuration.node(node), logger: logger)
        connections[node] = connection
        return connection
    }

    /// Reads `CLUSTER SLOTS` from the first node that answers with every slot served; failing
    /// that, keeps the answer serving the most slots.
    private func refreshMap() throws(RedisError) {
        var search = RedisClusterMapSearch(current: map, configuration: configuration)
        for node in search.candidates where !search.isDone {
            do throws(RedisError) {
                search.answered(
                    try RedisClusterSlotMap(clusterSlots: try connection(to: node).send("CLUSTER", "SLOTS")))
            } catch {
                connections[node] = nil
                search.failed(error)
            }
        }
        let best = try search.result()
        if best != map && !map.ranges.isEmpty { best.logChange(to: logger) }
        map = best
        mapIsStale = false
        for node in connections.keys where !best.nodes.contains(node) { connections[node] = nil }
    }
}

/// The per-node outcomes of a concurrent send, each set by its own thread.
private final class NodeOutcomes: Sendable {
    private let storage: Mutex<[Result<[RedisValue], RedisError>?]>

    init(count: Int) { storage = Mutex(Array(repeating: nil, count: count)) }

    func set(_ position: Int, _ outcome: Result<[RedisValue], RedisError>) {
        storage.withLock { $0[position] = outcome }
    }

    var results: [Result<[RedisValue], RedisError>?] { storage.withLock { $0 } }
}

/// Connections handed to `concurrentPerform`, each used by one thread only.
private struct UncheckedConnections: @unchecked Sendable {
    let list: [RedisConnection]
    init(_ list: [RedisConnection]) { self.list = list }
}
