import Foundation
import SluiceCore
import SluiceDelta
import SluiceDemo
import SluiceKafka
import SluiceKafkaTesting
import SluiceOffline
import SluiceRuntime
import SluiceStreamingTesting
import SluiceTesting
import Testing

/// The offline feature log written by the live engine, read back by DuckDB.
@Suite("Offline feature log", .timeLimit(.minutes(5)))
struct FeatureLogTests {
    @Test(
        "one row per accepted event with every view's features just before it, as a direct computation gives",
        arguments: [1, 4])
    func pointInTimeRows(partitions: Int) async throws {
        let topic = TestServices.uniqueName("log")
        let name = "log_" + String(topic.suffix(8))
        let (_, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
        let summary = try await EngineTestSupport.produceDemo(
            topic: topic, events: 4_000, malformed: 0.02, partitions: partitions)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var options = FeatureLogOptions(directory: folder)
        options.rollRows = 250
        // Small batches and a small cache: rows computed across many batches and reloads.
        try await EngineTestSupport.runUntilEnd(compiled, maxCachedEntities: 300, batchSize: 400, offlineLog: options)

        let messages = try await KafkaTestSupport.readAll(topic: topic, partitions: partitions)
        #expect(messages.count == summary.transactions)
        let reference = ReferenceEngine(
            layouts: compiled.layouts, decoder: compiled.decoder, messages: messages, pointInTime: true)
        let dump = try await FeatureLogDump.read(folder)
        #expect(dump.files >= 4_000 / 700)
        // More than ten commits: the engine wrote the table's checkpoint in the background, and
        // the table read from it holds what its commits say.
        let table = DeltaTable(path: folder + "/" + name)
        let newest = try #require(try table.versions().last)
        if partitions == 1 { #expect(newest >= 10) }
        if newest >= 10 {
            #expect(FileManager.default.fileExists(atPath: table.logPath + "/" + DeltaLogFiles.checkpoint(10)))
            var replayed = DeltaSnapshot()
            for version in 0...newest { try replayed.apply(try table.actions(of: version), version: version) }
            #expect(try table.snapshot().files == replayed.files)
        }
        #expect(
            dump.rows.count == reference.pointInTime.count,
            "rows \(dump.rows.count), accepted events \(reference.pointInTime.count)")
        let partitionColumn = try dump.column("kafka_partition")
        let offsetColumn = try dump.column("kafka_offset")
        #expect(
            Set(dump.rows.map { "\($0[partitionColumn]!)/\($0[offsetColumn]!)" }).count == dump.rows.count,
            "a row appears twice")

        // With one partition every view is exact; with several, the card view (the topic's key)
        // is, while merchant and device rows depend on how partitions interleaved.
        let checkedViews = partitions == 1 ? Array(compiled.layouts.indices) : [0]
        var mismatches: [String] = []
        for row in dump.rows {
            let key = "\(row[partitionColumn]!)/\(row[offsetColumn]!)"
            guard let expected = reference.pointInTime[key] else {
                mismatches.append("\(key): logged but not accepted by the reference")
                continue
            }
            for viewIndex in checkedViews {
                let layout = compiled.layouts[viewIndex]
                // Stored features, then on-demand ones (the event's own fields as inputs).
                for (featureIndex, featureName) in layout.allFeatureNames.enumerated() {
                    let column = try dump.column(
                        FeatureLogLayout.columnName(view: layout.view.name, feature: featureName))
                    let logged = FeatureLogDump.double(row[column])
                    if !TestNumbers.close(logged, expected[viewIndex][featureIndex]) {
                        mismatches.append(
                            "\(key) \(layout.view.name).\(featureName): logged \(String(describing: logged)), expected \(String(describing: expected[viewIndex][featureIndex]))"
                        )
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
        try EngineTestSupport.clearState(topologyName: name)
    }
}
