import SluiceCore

/// Every Redis key name of the online store (docs/storage.md); writers and readers both ask it.
/// Field names and values inside an entity's hash are `TileCodec`'s.
public struct OnlineStoreLayout: Sendable {
    public let compiled: CompiledTopology

    public init(compiled: CompiledTopology) { self.compiled = compiled }

    /// `sluice:<topology>:<view>:<fingerprint>:<entity id>`: a hash of the entity's tiles. The
    /// topology's fingerprint, not the view's: a changed topology replays the topic from the
    /// start, so even the views it kept as they were must start from empty keys (with the view's
    /// own fingerprint they would reload their old tiles and count every event twice).
    public func entityKey(view: ViewLayout, entity: String) -> String {
        entityKeyPrefix(view: view) + entity
    }

    /// An entity key up to the entity id.
    public func entityKeyPrefix(view: ViewLayout) -> String {
        "\(Self.topologyPrefix(compiled.topology.name))\(view.view.name):\(compiled.fingerprint):"
    }

    /// `sluice:<topology>:<fingerprint>:offsets`: per source partition, the next offset to process
    /// and the newest event time applied, written with the tiles of the batch (`StoredProgress`).
    public var offsetsKey: String { "\(Self.topologyPrefix(compiled.topology.name))\(compiled.fingerprint):offsets" }

    /// The offsets hash's field of a source partition: `<topic>:<partition>`.
    public func offsetsField(partition: Int32) -> String { "\(compiled.topology.source.topic):\(partition)" }

    /// `sluice:<topology>:`, the start of every key of a topology (for tools that list them).
    public static func topologyPrefix(_ topology: String) -> String { "sluice:\(topology):" }
}
