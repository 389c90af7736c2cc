import Foundation
import Logging
import SluiceCore
import SluiceCoreTesting
import SluiceOffline
import Testing

/// What a feature log does, after a crash, with the staged rows of the batch whose write was in
/// flight: on one Redis that batch was one transaction (none of it landed: its rows are dropped
/// and logged again by the replay); on a cluster it may be partly written, so its rows, computed
/// from the state before it, are the ones kept, and the replay logs none of them again.
@Suite("Feature log: rows past the online store's progress after a crash")
struct FeatureLogResumeTests {
    static let topology = Topology(name: "resume", source: Fixtures.source, views: [Fixtures.cardView])
    static let layout = FeatureLogLayout(topology: topology)

    /// Rows of partition 0 at `offsets`, every feature `marker` (which run computed them).
    static func rows(_ offsets: Range<Int64>, marker: Double) -> [FeatureLogRow] {
        offsets.map { offset in
            FeatureLogRow(
                eventID: "e\(offset)", eventTime: 1_700_000_000_000 + offset * 1000,
                keys: layout.keyFields.map { _ in "card-1" }, partition: 0, offset: offset,
                features: Array(repeating: marker, count: layout.featureNames.count))
        }
    }

    static func writer(_ directory: String, _ mode: FeatureLogOptions.RowsPastProgress) throws -> FeatureLogWriter {
        var options = FeatureLogOptions(directory: directory)
        options.rowsPastProgress = mode
        return try FeatureLogWriter(
            options: options, topology: topology, fingerprint: "00000000", logger: .init(label: "test"))
    }

    /// A first run commits rows 0-9, then stages rows 10-19 (marker 1) and dies with their write
    /// in flight. Returns the log's folder.
    static func crashedRun(_ mode: FeatureLogOptions.RowsPastProgress) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
            .path
        let first = try writer(directory, mode)
        try first.open(partition: 0, resumeAt: 0)
        for row in rows(0..<10, marker: 1) { first.append(row) }
        try first.persistPending()
        try first.commitInFlight()
        for row in rows(10..<20, marker: 1) { first.append(row) }
        try first.persistPending()
        return directory
    }

    /// The replay from offset 10 (marker 2) up to 25, committed and rolled; the table's markers
    /// by offset.
    static func replay(_ directory: String, _ mode: FeatureLogOptions.RowsPastProgress, rollFirst: Bool = false)
        throws -> [Int64: Double?]
    {
        if rollFirst {
            // A restart that rolled the kept rows into the table, then died before its replay
            // rewrote their batch.
            let interrupted = try writer(directory, mode)
            try interrupted.open(partition: 0, resumeAt: 10)
            try interrupted.rollDue(force: true)
        }
        let second = try writer(directory, mode)
        try second.open(partition: 0, resumeAt: 10)
        for row in rows(10..<25, marker: 2) { second.append(row) }
        try second.persistPending()
        try second.commitInFlight()
        try second.rollDue(force: true)
        let table = try FeatureLogTable.read(directory: directory, topology: topology.name)
        #expect(Set(table.offsets).count == table.count, "no offset twice: \(table.offsets.sorted())")
        return Dictionary(zip(table.offsets, table.features[0]), uniquingKeysWith: { first, _ in first })
    }

    @Test("one Redis: the staged rows past the progress are dropped and the replay logs them")
    func dropped() throws {
        let directory = try Self.crashedRun(.dropped)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let markers = try Self.replay(directory, .dropped)
        #expect(markers.count == 25)
        #expect((10..<25).allSatisfy { markers[$0] == 2 } && (0..<10).allSatisfy { markers[$0] == 1 })
    }

    @Test("a cluster: the staged rows past the progress are kept and the replay logs only what follows them")
    func kept() throws {
        let directory = try Self.crashedRun(.kept)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let markers = try Self.replay(directory, .kept)
        #expect(markers.count == 25)
        #expect((0..<20).allSatisfy { markers[$0] == 1 }, "the rows computed before the crash")
        #expect((20..<25).allSatisfy { markers[$0] == 2 })
    }

    @Test("a cluster: kept rows already rolled into the table are not logged again either")
    func keptAndRolled() throws {
        let directory = try Self.crashedRun(.kept)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let markers = try Self.replay(directory, .kept, rollFirst: true)
        #expect(markers.count == 25)
        #expect((0..<20).allSatisfy { markers[$0] == 1 } && (20..<25).allSatisfy { markers[$0] == 2 })
    }
}
