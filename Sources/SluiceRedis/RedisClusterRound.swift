/// One round trip of a pipeline on a Redis Cluster, pure: which commands go to which node, and
/// what the nodes' replies mean. A round sends each command to the master of its key's slot (or
/// where a redirection named); replies that are `MOVED` or `ASK` redirections make the commands
/// of the next round, in their original order, so the commands of one key stay in order.
struct RedisClusterRound {
    /// A command still owed a reply.
    struct Command {
        /// Its position among the replies of the whole call.
        var index: Int
        var bytes: ArraySlice<UInt8>
        var slot: Int?
        /// Where the previous round's node sent it; `ASK` needs `ASKING` before it.
        var redirect: Redirect?
    }

    struct Redirect: Equatable {
        enum Kind { case moved, ask }
        var kind: Kind
        var node: RedisClusterSlotMap.Node

        /// Parses `MOVED <slot> <host>:<port>` and `ASK <slot> <host>:<port>`.
        init?(_ message: String) {
            let parts = message.split(separator: " ")
            guard parts.count == 3, let colon = parts[2].lastIndex(of: ":"),
                let port = Int(parts[2][parts[2].index(after: colon)...])
            else { return nil }
            switch parts[0] {
            case "MOVED": kind = .moved
            case "ASK": kind = .ask
            default: return nil
            }
            var host = String(parts[2][..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            node = RedisClusterSlotMap.Node(host: host, port: port)
        }
    }

    /// What a node gets: a pipeline, and per command its position in `commands` (`asking` and
    /// `replicaWait` for the commands a round adds).
    struct NodeRequest {
        let node: RedisClusterSlotMap.Node
        var pipeline: RedisPipeline
        var entries: [Int]
    }

    static let asking = -1
    static let replicaWait = -2
    /// Rounds of redirections a call follows before it gives up.
    static let maxRounds = 5

    /// The commands of `parts`, in order, none redirected yet.
    static func commands(of parts: some Collection<RedisPipeline>) -> [Command] {
        var commands: [Command] = []
        for part in parts {
            for span in RedisCommandSpan.spans(of: part) {
                commands.append(
                    Command(index: commands.count, bytes: part.encoded[span.bytes], slot: span.slot, redirect: nil))
            }
        }
        return commands
    }

    /// - Throws: `clusterUnavailable` once round `number` is past `maxRounds`.
    static func checkRound(_ number: Int, commands: Int) throws(RedisError) {
        guard number > maxRounds else { return }
        throw RedisError(
            .clusterUnavailable, "the Redis Cluster kept redirecting \(commands) commands after \(maxRounds) rounds")
    }

    private(set) var requests: [NodeRequest] = []
    let commands: [Command]

    /// Sends `commands` by `map`; with `replicaWait`, each node that has a replica is asked
    /// (`WAIT 1 <ms>`) to confirm that one holds its commands before it answers the last. `whole`
    /// is the pipeline the commands are all of, in order: when they all go to one node it is sent
    /// as it is, without copying.
    init(commands: [Command], map: RedisClusterSlotMap, replicaWait: Duration?, whole: RedisPipeline? = nil)
        throws(RedisError)
    {
        self.commands = commands
        if let whole, whole.count == commands.count, let first = commands.first, first.redirect == nil {
            let node = try Self.node(of: first, map: map)
            var oneNode = true
            for command in commands.dropFirst() {
                guard command.redirect == nil, try Self.node(of: command, map: map) == node else {
                    oneNode = false
                    break
                }
            }
            if oneNode {
                requests = [NodeRequest(node: node, pipeline: whole, entries: Array(commands.indices))]
            }
        }
        if requests.isEmpty {
            var byNode: [RedisClusterSlotMap.Node: Int] = [:]
            for (entry, command) in commands.enumerated() {
                let node = try Self.node(of: command, map: map)
                let position: Int
                if let known = byNode[node] {
                    position = known
                } else {
                    position = requests.count
                    requests.append(
                        NodeRequest(node: node, pipeline: RedisPipeline(reservingCapacity: 1024), entries: []))
                    byNode[node] = position
                }
                if command.redirect?.kind == .ask {
                    requests[position].pipeline.append("ASKING")
                    requests[position].entries.append(Self.asking)
                }
                requests[position].pipeline.append(encodedCommand: command.bytes)
                requests[position].entries.append(entry)
            }
        }
        guard let replicaWait else { return }
        let (seconds, attoseconds) = replicaWait.components
        let milliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        for position in requests.indices where map.replicaCount(of: requests[position].node) > 0 {
            requests[position].pipeline.append("WAIT", 1, .int(milliseconds))
            requests[position].entries.append(Self.replicaWait)
        }
    }

    /// Where `command` goes: where it was redirected, else the master of its slot (any master
    /// for a command without a key).
    private static func node(of command: Command, map: RedisClusterSlotMap) throws(RedisError)
        -> RedisClusterSlotMap.Node
    {
        if let redirect = command.redirect { return redirect.node }
        if let slot = command.slot {
            guard let master = map.master(ofSlot: slot) else {
                throw RedisError(
                    .clusterUnavailable, "no node of the Redis Cluster serves slot \(slot) (a failover under way?)")
            }
            return master
        }
        guard let any = map.ranges.first?.master else {
            throw RedisError(.clusterUnavailable, "the Redis Cluster's slot map names no master")
        }
        return any
    }

    /// Files the replies of request `position` under their indices in `results`, and returns the
    /// commands redirected elsewhere (to send in the next round).
    /// - Throws: `clusterUnavailable` for a node that answered CLUSTERDOWN or TRYAGAIN, or whose
    ///   replica did not confirm the writes.
    func absorb(_ replies: [RedisValue], of position: Int, into results: inout [RedisValue?]) throws(RedisError)
        -> [Command]
    {
        let request = requests[position]
        var redirected: [Command] = []
        for (entry, reply) in zip(request.entries, replies) {
            switch entry {
            case Self.asking:
                continue
            case Self.replicaWait:
                if (reply.int ?? 0) < 1 {
                    throw RedisError(
                        .clusterUnavailable,
                        "Redis Cluster node \(request.node) did not get its writes to a replica in time (WAIT: \(reply))"
                    )
                }
            default:
                if let message = reply.errorMessage {
                    if let redirect = Redirect(message) {
                        var command = commands[entry]
                        command.redirect = redirect
                        redirected.append(command)
                        continue
                    }
                    if message.hasPrefix("CLUSTERDOWN") || message.hasPrefix("TRYAGAIN") {
                        throw RedisError(
                            .clusterUnavailable, "Redis Cluster node \(request.node): \(message)",
                            serverMessage: message)
                    }
                }
                results[commands[entry].index] = reply
            }
        }
        return redirected
    }
}
