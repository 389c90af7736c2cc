/// A topology with everything derived from it that the engine, replay and the read path share:
/// view layouts, the event decoder and the fingerprint of the stored state.
public struct CompiledTopology: Sendable {
    public let topology: Topology
    public let layouts: [ViewLayout]
    public let decoder: EventDecoder
    /// Fingerprint of all view layouts and of the state format: the offsets key and the entity
    /// keys carry it, so a changed topology, or a Sluice version that stores state differently,
    /// starts over from the beginning of the topic on fresh keys instead of resuming on state it
    /// cannot read (or without the state it had).
    public let fingerprint: String

    /// The version of the stored state's format (the online store's keys, fields and tile
    /// encoding, docs/storage.md), bumped whenever it changes: 2, entity keys carry the topology's
    /// fingerprint instead of the view's; 3, groups without distinct sets are stored as one tile
    /// run per partition (`TileGroup.storesRun`).
    public static let stateFormat = 3

    public init(_ topology: Topology) {
        self.topology = topology
        layouts = topology.views.map { ViewLayout(view: $0, source: topology.source) }
        decoder = EventDecoder(topology: topology)
        fingerprint = StableHash.fingerprint(
            "state-v\(Self.stateFormat);" + layouts.map { "\($0.view.name)=\($0.fingerprint)" }.joined(separator: ";"))
    }

    public func layout(named view: String) -> ViewLayout? { layouts.first { $0.view.name == view } }
}
