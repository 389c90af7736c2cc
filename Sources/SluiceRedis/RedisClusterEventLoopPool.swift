import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A Redis Cluster client on NIO event loops, for the serving path: per event loop, one
/// connection to each master, made on first use; each pipeline split by its keys' slots, the
/// nodes' shares sent at once and the replies put back in order.
///
/// The slot map is read with `CLUSTER SLOTS` before the first pipeline, after a `MOVED` reply,
/// and after a node failed (at most every `refreshInterval`; one read at a time). A pipeline
/// whose node cannot be reached fails at once with that error (the serving API answers 503), as
/// does one whose slot has no master during a failover; once the map names the promoted replica,
/// pipelines go there. `MOVED` and `ASK` are followed (up to five rounds).
public final class RedisClusterEventLoopPool: RedisEventLoopClient {
    public let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let loops: [LoopNodes]
    private let mapState: Mutex<MapState>
    /// The shortest time between two slot map reads caused by failures.
    public static let refreshInterval = TimeAmount.milliseconds(100)

    private struct MapState {
        var map = RedisClusterSlotMap(ranges: [])
        var refreshing: EventLoopFuture<Void>?
        var lastRefresh: NIODeadline?
    }

    public init(
        configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "sluice.redis.cluster")
    ) {
        precondition(configuration.clusterSeeds != nil, "a cluster configuration lists its seed nodes")
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.loops = group.makeIterator().map { LoopNodes(eventLoop: $0, configuration: configuration, logger: logger) }
        self.mapState = Mutex(MapState())
    }

    public func anyEventLoop() -> any EventLoop { group.any() }

    public func shutdown() {
        for loop in loops { loop.closeAll() }
    }

    /// The slot map in use (empty before the first pipeline).
    public var slotMap: RedisClusterSlotMap { mapState.withLock { $0.map } }

    public func execute(_ pipeline: RedisPipeline, on eventLoop: (any EventLoop)?) -> EventLoopFuture<[RedisValue]> {
        precondition(pipeline.isComplete, "the pipeline's last command is missing arguments")
        let loop = eventLoop ?? group.any()
        guard let nodes = loops.first(where: { $0.eventLoop === loop }) else {
            return execute(pipeline, on: loops[0].eventLoop).hop(to: loop)
        }
        guard loop.inEventLoop else { return loop.flatSubmit { self.execute(pipeline, on: loop) } }
        guard !pipeline.isEmpty else { return loop.makeSucceededFuture([]) }
        let commands = RedisClusterRound.commands(of: CollectionOfOne(pipeline))
        let results = [RedisValue?](repeating: nil, count: commands.count)
        if slotMap.ranges.isEmpty {
            return refreshMap(on: nodes).flatMap {
                self.round(commands, results: results, number: 1, on: nodes, whole: pipeline)
            }
        }
        return round(commands, results: results, number: 1, on: nodes, whole: pipeline)
    }

    private func round(
        _ commands: [RedisClusterRound.Command], results: [RedisValue?], number: Int, on nodes: LoopNodes,
        whole: RedisPipeline? = nil
    ) -> EventLoopFuture<[RedisValue]> {
        let loop = nodes.eventLoop
        let plan: RedisClusterRound
        do {
            try RedisClusterRound.checkRound(number, commands: commands.count)
            plan = try RedisClusterRound(commands: commands, map: slotMap, replicaWait: nil, whole: whole)
        } catch {
            scheduleRefresh(on: nodes)
            return loop.makeFailedFuture(error)
        }
        let sent = plan.requests.map { nodes.connection(to: $0.node).send($0.pipeline) }
        return EventLoopFuture.whenAllComplete(sent, on: loop).flatMap { outcomes in
            var results = results
            var redirected: [RedisClusterRound.Command] = []
            for (position, outcome) in outcomes.enumerated() {
                switch outcome {
                case .failure(let failure):
                    let error = failure as? RedisError ?? RedisError(.connectionLost, "\(failure)")
                    if error.isRetriable { self.scheduleRefresh(on: nodes) }
                    return loop.makeFailedFuture(error)
                case .success(let replies):
                    do {
                        redirected += try plan.absorb(replies, of: position, into: &results)
                    } catch {
                        self.scheduleRefresh(on: nodes)
                        return loop.makeFailedFuture(error)
                    }
                }
            }
            guard !redirected.isEmpty else { return loop.makeSucceededFuture(results.map { $0! }) }
            redirected.sort { $0.index < $1.index }
            // Immutable copies: the next round may start on another event loop's callback.
            let commands = redirected
            let answered = results
            let next: @Sendable () -> EventLoopFuture<[RedisValue]> = {
                self.round(commands, results: answered, number: number + 1, on: nodes)
            }
            return commands.contains { $0.redirect?.kind == .moved }
                ? self.refreshMap(on: nodes).flatMap { next() } : next()
        }
    }

    /// Starts a slot map read unless one runs or one finished within `refreshInterval`.
    private func scheduleRefresh(on nodes: LoopNodes) {
        let due = mapState.withLock { state in
            state.refreshing == nil && state.lastRefresh.map { .now() - $0 >= Self.refreshInterval } ?? true
        }
        if due { _ = refreshMap(on: nodes) }
    }

    /// Reads `CLUSTER SLOTS` from the map's nodes and the seeds in turn until one answers with
    /// every slot served (else keeps the answer serving most). Joins a read already running.
    private func refreshMap(on nodes: LoopNodes) -> EventLoopFuture<Void> {
        let promise = nodes.eventLoop.makePromise(of: Void.self)
        let (running, search) = mapState.withLock { state -> (EventLoopFuture<Void>?, RedisClusterMapSearch) in
            let search = RedisClusterMapSearch(current: state.map, configuration: configuration)
            if let running = state.refreshing { return (running, search) }
            state.refreshing = promise.futureResult
            return (nil, search)
        }
        if let running {
            running.cascade(to: promise)
            return promise.futureResult
        }
        ask(search, next: 0, on: nodes).whenComplete { result in
            let changed: RedisClusterSlotMap? = self.mapState.withLock { state in
                state.refreshing = nil
                state.lastRefresh = .now()
                guard case .success(let map) = result, map != state.map else { return nil }
                let wasEmpty = state.map.ranges.isEmpty
                state.map = map
                return wasEmpty ? nil : map
            }
            changed?.logChange(to: self.logger)
            promise.completeWith(result.map { _ in () })
        }
        return promise.futureResult
    }

    /// Asks `search`'s candidates from `next` on, one after the other.
    private func ask(_ search: RedisClusterMapSearch, next: Int, on nodes: LoopNodes) -> EventLoopFuture<
        RedisClusterSlotMap
    > {
        guard next < search.candidates.count, !search.isDone else {
            return nodes.eventLoop.makeCompletedFuture { () throws(RedisError) in try search.result() }
        }
        var pipeline = RedisPipeline(reservingCapacity: 64)
        pipeline.append("CLUSTER", "SLOTS")
        return nodes.connection(to: search.candidates[next]).send(pipeline).flatMap { replies in
            var search = search
            do {
                search.answered(try RedisClusterSlotMap(clusterSlots: replies[0]))
            } catch {
                search.failed(error as? RedisError ?? RedisError(.protocolError, "\(error)"))
            }
            return self.ask(search, next: next + 1, on: nodes)
        }.flatMapError { failure in
            var search = search
            search.failed(failure as? RedisError ?? RedisError(.connectionFailed, "\(failure)"))
            return self.ask(search, next: next + 1, on: nodes)
        }
    }
}

/// One event loop's connections, one per cluster node, made on first use.
///
/// `@unchecked Sendable`: `connections` is only touched on `eventLoop`.
private final class LoopNodes: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let logger: Logger
    private var connections: [RedisClusterSlotMap.Node: RedisLoopConnection] = [:]

    init(eventLoop: any EventLoop, configuration: RedisConfiguration, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
    }

    /// Must be called on `eventLoop`.
    func connection(to node: RedisClusterSlotMap.Node) -> RedisLoopConnection {
        eventLoop.preconditionInEventLoop()
        if let connection = connections[node] { return connection }
        let connection = RedisLoopConnection(
            eventLoop: eventLoop, configuration: configuration.node(node), logger: logger)
        connections[node] = connection
        return connection
    }

    func closeAll() {
        eventLoop.execute {
            for connection in self.connections.values { connection.close() }
        }
    }
}
