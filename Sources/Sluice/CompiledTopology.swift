import SluiceCore

/// A topology with everything derived from it that the engine and the read path share: view
/// layouts, the event decoder, and the Redis key layout.
public struct CompiledTopology: Sendable {
    public let topology: Topology
    public let layouts: [ViewLayout]
    public let decoder: EventDecoder
    /// Fingerprint of all view layouts and of the state format: the offsets key and the entity
    /// keys carry it, so a changed topology, or a Sluice version that stores state differently,
    /// starts over from the beginning of the topic on fresh keys instead of resuming on state it
    /// cannot read (or without the state it had).
    public let fingerprint: String

    /// Bumped whenever the Redis state layout changes. 2: entity keys carry the topology's
    /// fingerprint instead of the view's. 3: groups without distinct sets are stored as one tile
    /// run per partition (`TileGroup.storesRun`).
    static let stateFormat = 3

    public init(_ topology: Topology) {
        self.topology = topology
        layouts = topology.views.map { ViewLayout(view: $0, source: topology.source) }
        decoder = EventDecoder(source: topology.source, entityFields: topology.views.map(\.keyField))
        fingerprint = StableHash.fingerprint(
            "state-v\(Self.stateFormat);" + layouts.map { "\($0.view.name)=\($0.fingerprint)" }.joined(separator: ";"))
    }

    public func layout(named view: String) -> ViewLayout? { layouts.first { $0.view.name == view } }

    // MARK: - Redis keys (docs/storage.md)

    /// `sluice:<topology>:<view>:<fingerprint>:<entity id>`: a hash of the entity's tiles. The
    /// topology's fingerprint, not the view's: a changed topology replays the topic from the
    /// start, so even the views it kept as they were must start from empty keys (with the view's
    /// own fingerprint they would reload their old tiles and count every event twice).
    public func entityKey(view: ViewLayout, entity: String) -> String {
        "sluice:\(topology.name):\(view.view.name):\(fingerprint):\(entity)"
    }

    /// `sluice:<topology>:<fingerprint>:offsets`: per source partition, the next offset to process
    /// and the newest event time applied, written in the same transaction as the tiles.
    public var offsetsKey: String { "sluice:\(topology.name):\(fingerprint):offsets" }

    public func offsetsField(partition: Int32) -> String { "\(topology.source.topic):\(partition)" }
}
