import Logging

/// Which node serves each of a Redis Cluster's 16384 slots, as `CLUSTER SLOTS` answers: per range
/// of slots, the master first and then its replicas. Pure: built from the reply.
public struct RedisClusterSlotMap: Sendable, Equatable {
    public struct Node: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public struct Range: Sendable, Equatable {
        public var slots: ClosedRange<Int>
        public var master: Node
        public var replicas: [Node]
    }

    public private(set) var ranges: [Range]
    /// The index into `ranges` of each slot; -1 for a slot no node serves.
    private var rangeOfSlot: [Int16]

    /// Parses a `CLUSTER SLOTS` reply.
    /// - Throws: `protocolError` naming the part that is not one.
    public init(clusterSlots reply: RedisValue) throws(RedisError) {
        guard case .array(let entries) = reply else {
            throw RedisError(.protocolError, "CLUSTER SLOTS did not answer an array: \(reply)")
        }
        var ranges: [Range] = []
        for entry in entries {
            guard case .array(let fields) = entry, fields.count >= 3, let first = fields[0].int,
                let last = fields[1].int, first >= 0, first <= last, last < Int64(RedisClusterSlot.count)
            else {
                throw RedisError(.protocolError, "a CLUSTER SLOTS entry is not [first, last, master, ...]: \(entry)")
            }
            let nodes = try fields[2...].map { field throws(RedisError) -> Node in
                guard case .array(let parts) = field, parts.count >= 2, let host = parts[0].string,
                    let port = parts[1].int
                else { throw RedisError(.protocolError, "a CLUSTER SLOTS node is not [host, port, ...]: \(field)") }
                return Node(host: host, port: Int(port))
            }
            ranges.append(Range(slots: Int(first)...Int(last), master: nodes[0], replicas: Array(nodes.dropFirst())))
        }
        self.init(ranges: ranges)
    }

    public init(ranges: [Range]) {
        self.ranges = ranges
        rangeOfSlot = [Int16](repeating: -1, count: RedisClusterSlot.count)
        for (index, range) in ranges.enumerated() {
            for slot in range.slots { rangeOfSlot[slot] = Int16(index) }
        }
    }

    /// The master serving `slot`; nil while no node serves it.
    public func master(ofSlot slot: Int) -> Node? {
        let index = rangeOfSlot[slot]
        return index < 0 ? nil : ranges[Int(index)].master
    }

    /// The master serving `key`'s slot.
    public func master(of key: String) -> Node? { master(ofSlot: RedisClusterSlot.of(key)) }

    /// The replicas the map lists for master `node` (a failed replica is not listed).
    public func replicaCount(of node: Node) -> Int {
        ranges.first { $0.master == node }?.replicas.count ?? 0
    }

    /// Every node the map names, masters first.
    public var nodes: [Node] {
        var seen = Set<Node>()
        return (masters + ranges.flatMap(\.replicas)).filter { seen.insert($0).inserted }
    }

    /// Logs that the cluster's masters changed to this map's.
    func logChange(to logger: Logger) {
        logger.info(
            "Redis Cluster slot map changed",
            metadata: ["masters": "\(masters.map(\.description).joined(separator: ","))"])
    }

    /// Slots no node serves (a cluster that lost a master without a replica to take over).
    public var uncoveredSlots: Int { rangeOfSlot.count { $0 < 0 } }

    /// Every master, in slot order.
    public var masters: [Node] {
        var seen = Set<Node>()
        return ranges.sorted { $0.slots.lowerBound < $1.slots.lowerBound }.map(\.master).filter {
            seen.insert($0).inserted
        }
    }
}
