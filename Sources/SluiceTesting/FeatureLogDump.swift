import Foundation

/// A feature log folder as DuckDB reads it (scripts/py/dump_feature_log.py): an independent
/// reader for tests that judge what Sluice wrote.
public struct FeatureLogDump: Decodable {
    public let files: Int
    public let columns: [String]
    /// Rows sorted by (kafka_partition, kafka_offset); doubles as IEEE bit patterns in decimal.
    public let rows: [[String?]]
    /// For a Delta table (or a folder of them): each transaction id's version as delta-rs reads it.
    public let transactions: [String: Int64?]?

    public static func read(_ folder: String) async throws -> FeatureLogDump {
        try await PythonTools.runJSON("dump_feature_log.py", [folder], as: FeatureLogDump.self)
    }

    public func column(_ name: String) throws -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw TestFailure("the feature log has no column \(name); it has \(columns)")
        }
        return index
    }

    /// The value of a double column in a row.
    public static func double(_ text: String?) -> Double? {
        text.flatMap(Int64.init).map { Double(bitPattern: UInt64(bitPattern: $0)) }
    }
}
