/// One version of a table's history, from its commit: when, what, and how many files and rows
/// it added and removed (rows from the files' statistics), and the transaction versions it set.
public struct DeltaCommitSummary: Sendable, Equatable {
    public var version: Int64
    /// The commitInfo's timestamp (epoch ms), if it has one.
    public var timestamp: Int64?
    public var operation: String?
    public var filesAdded = 0
    public var filesRemoved = 0
    /// Nil when a file's statistics lack numRecords.
    public var rowsAdded: Int64? = 0
    public var rowsRemoved: Int64? = 0
    public var bytesAdded: Int64 = 0
    /// appId → version.
    public var transactions: [String: Int64] = [:]
    public var changedMetadata = false

    public init(version: Int64, actions: [DeltaAction]) {
        self.version = version
        for action in actions {
            switch action {
            case .commitInfo(let info):
                timestamp = info.timestamp
                operation = info.operation
            case .add(let file):
                filesAdded += 1
                bytesAdded += file.size
                rowsAdded = Self.sum(rowsAdded, file.stats)
            case .remove(let file):
                filesRemoved += 1
                rowsRemoved = Self.sum(rowsRemoved, file.stats)
            case .transaction(let transaction): transactions[transaction.appID] = transaction.version
            case .metadata, .protocolVersions: changedMetadata = true
            }
        }
    }

    private static func sum(_ total: Int64?, _ stats: String?) -> Int64? {
        guard let total, let records = stats.flatMap(DeltaFileStats.init(json:))?.numRecords else { return nil }
        return total + records
    }
}
