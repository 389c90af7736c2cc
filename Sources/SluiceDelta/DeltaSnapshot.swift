/// A table's state at one version, from replaying its commits in order (PROTOCOL.md, "Action
/// Reconciliation"): the newest protocol and metadata, the files present (the newest `add` of
/// each path not removed after), the tombstones, and each application's newest transaction
/// version. Pure: the caller reads the commit files.
public struct DeltaSnapshot: Sendable {
    /// -1 before the first commit.
    public private(set) var version: Int64 = -1
    public private(set) var protocolVersions: DeltaProtocol?
    public private(set) var metadata: DeltaMetadata?
    public private(set) var files: [String: DeltaAddFile] = [:]
    public private(set) var tombstones: [String: DeltaRemoveFile] = [:]
    public private(set) var transactions: [String: DeltaTransaction] = [:]

    public init() {}

    /// The table as a checkpoint of `version` records it (its actions already reconciled).
    public init(
        checkpointOf version: Int64, protocolVersions: DeltaProtocol, metadata: DeltaMetadata, files: [DeltaAddFile],
        tombstones: [DeltaRemoveFile], transactions: [DeltaTransaction]
    ) throws(DeltaLogError) {
        guard protocolVersions.canRead else { throw Self.unreadable(protocolVersions) }
        self.version = version
        self.protocolVersions = protocolVersions
        self.metadata = metadata
        for file in files { self.files[file.path] = file }
        for tombstone in tombstones where self.files[tombstone.path] == nil {
            self.tombstones[tombstone.path] = tombstone
        }
        for transaction in transactions { self.transactions[transaction.appID] = transaction }
    }

    /// Applies the commit of `version`, which must follow the snapshot's. Refuses a protocol
    /// Sluice cannot read.
    public mutating func apply(_ actions: [DeltaAction], version: Int64) throws(DeltaLogError) {
        guard version == self.version + 1 else {
            throw DeltaLogError(.gap, "commit \(version) follows version \(self.version): the log has a gap")
        }
        for action in actions {
            switch action {
            case .protocolVersions(let value):
                guard value.canRead else { throw Self.unreadable(value) }
                protocolVersions = value
            case .metadata(let value): metadata = value
            case .add(let value):
                files[value.path] = value
                tombstones[value.path] = nil
            case .remove(let value):
                files[value.path] = nil
                tombstones[value.path] = value
            case .transaction(let value): transactions[value.appID] = value
            case .commitInfo: break
            }
        }
        if version == 0 && (protocolVersions == nil || metadata == nil) {
            throw DeltaLogError(.corrupt, "the first commit has no protocol or no metaData action")
        }
        self.version = version
    }

    private static func unreadable(_ versions: DeltaProtocol) -> DeltaLogError {
        DeltaLogError(
            .unsupportedProtocol,
            "the table needs \(versions.summary); Sluice reads reader version \(DeltaProtocol.supportedReaderVersion): read it with a newer Delta client"
        )
    }

    /// The rows the log says the table holds (files without stats count as unknown: nil).
    public var rowCount: Int64? {
        var total: Int64 = 0
        for file in files.values {
            guard let stats = file.stats.flatMap(DeltaFileStats.init(json:)) else { return nil }
            total += stats.numRecords
        }
        return total
    }

    /// Whether Sluice may add a commit to this table.
    public var isWritable: Bool { protocolVersions?.canWrite ?? false }
}
