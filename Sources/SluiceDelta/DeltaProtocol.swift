/// The `protocol` action: the reader and writer versions a table needs. Sluice reads reader
/// version 1 and writes writer version 2 (append-only and column invariants, neither used here):
/// a table that needs more is refused, never half understood.
public struct DeltaProtocol: Sendable, Equatable {
    public var minReaderVersion: Int
    public var minWriterVersion: Int
    public var readerFeatures: [String]?
    public var writerFeatures: [String]?

    /// What Sluice writes when it creates a table.
    public static let sluice = DeltaProtocol(minReaderVersion: 1, minWriterVersion: 2)
    public static let supportedReaderVersion = 1
    public static let supportedWriterVersion = 2

    public init(
        minReaderVersion: Int, minWriterVersion: Int, readerFeatures: [String]? = nil, writerFeatures: [String]? = nil
    ) {
        self.minReaderVersion = minReaderVersion
        self.minWriterVersion = minWriterVersion
        self.readerFeatures = readerFeatures
        self.writerFeatures = writerFeatures
    }

    public var canRead: Bool { minReaderVersion <= Self.supportedReaderVersion }
    public var canWrite: Bool { canRead && minWriterVersion <= Self.supportedWriterVersion }

    /// "reader version 3 (deletionVectors), writer version 7 (...)".
    public var summary: String {
        var text = "reader version \(minReaderVersion)"
        if let readerFeatures, !readerFeatures.isEmpty { text += " (\(readerFeatures.joined(separator: ", ")))" }
        text += ", writer version \(minWriterVersion)"
        if let writerFeatures, !writerFeatures.isEmpty { text += " (\(writerFeatures.joined(separator: ", ")))" }
        return text
    }
}
