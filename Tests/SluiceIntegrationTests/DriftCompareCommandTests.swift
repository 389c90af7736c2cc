import Foundation
import SluiceTesting
import Testing

@Suite("sluice drift compare, the executable", .timeLimit(.minutes(5)))
struct DriftCompareCommandTests {
    @Test("a table by severity, JSON, exit 3 with --fail-on-drift, exit 1 naming an unreadable file")
    func executable() async throws {
        let (folder, pairs) = try await DriftFixtures.pairs(seed: 3)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pair = try #require(pairs["asymptotic_far"])
        let (reference, current) = (pair["reference"]!, pair["current"]!)
        let sluice = try TestProcess.sluiceExecutable()

        let table = try await TestProcess.run(
            sluice, ["drift", "compare", "--reference", reference, "--current", current])
        #expect(table.status == 0, "\(table.output)")
        let lines = table.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.contains("columns drifted") == true)
        let rows = lines.drop { !$0.hasPrefix("column") }.dropFirst().prefix { !$0.isEmpty }
        #expect(rows.count == 7, "\(table.output)")
        #expect(
            rows.first?.contains("DRIFT") == true && rows.contains { $0.hasPrefix("constant") && $0.contains("ok") })
        #expect(table.output.contains("empty: the reference's 25000 rows are all null"))
        #expect(table.output.contains("channel: atm"))

        let json = try await TestProcess.run(
            sluice,
            [
                "drift", "compare", "--reference", reference, "--current", current, "--json", "--columns",
                "amount,channel",
            ])
        #expect(json.status == 0, "\(json.output)")
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let columns = try #require(object?["columns"] as? [[String: Any]])
        #expect(Set(columns.compactMap { $0["column"] as? String }) == ["amount", "channel"])

        let failing = try await TestProcess.run(
            sluice, ["drift", "compare", "--reference", reference, "--current", current, "--fail-on-drift"])
        #expect(failing.status == 3)
        let calm = try await TestProcess.run(
            sluice, ["drift", "compare", "--reference", reference, "--current", reference, "--fail-on-drift"])
        #expect(calm.status == 0, "\(calm.output)")

        // A monitor file: a column ignored, another judged by its own method and threshold.
        let monitor = folder + "/monitor.yaml"
        try Data("columns:\n  empty: {ignore: true}\n  count: {method: js, threshold: 0.9}\n".utf8).write(
            to: URL(fileURLWithPath: monitor))
        let monitored = try await TestProcess.run(
            sluice,
            ["drift", "compare", "--reference", reference, "--current", current, "--monitor", monitor, "--json"])
        let monitoredColumns =
            (try JSONSerialization.jsonObject(with: Data(monitored.output.utf8)) as? [String: Any])?["columns"]
            as? [[String: Any]] ?? []
        #expect(monitoredColumns.count == 6 && !monitoredColumns.contains { $0["column"] as? String == "empty" })
        let count = monitoredColumns.first { $0["column"] as? String == "count" }?["decision"] as? [String: Any]
        #expect(count?["method"] as? String == "js" && count?["threshold"] as? Double == 0.9)
        try Data("columns:\n  count: {method: chi2}\nbins: 1\n".utf8).write(to: URL(fileURLWithPath: monitor))
        let badMonitor = try await TestProcess.run(
            sluice, ["drift", "compare", "--reference", reference, "--current", current, "--monitor", monitor])
        #expect(badMonitor.status == 1)
        #expect(
            badMonitor.output.contains("\(monitor):3:7: bins must be an integer in 2...1000"), "\(badMonitor.output)")

        let bogus = folder + "/not.parquet"
        try Data("no".utf8).write(to: URL(fileURLWithPath: bogus))
        let unreadable = try await TestProcess.run(
            sluice, ["drift", "compare", "--reference", bogus, "--current", current])
        #expect(unreadable.status == 1)
        #expect(unreadable.output.contains("error: cannot read \(bogus)"), "\(unreadable.output)")
    }
}
