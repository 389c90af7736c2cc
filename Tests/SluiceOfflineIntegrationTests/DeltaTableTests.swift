import Foundation
import SluiceCore
import SluiceDelta
import SluiceOffline
import SluiceParquet
import SluiceStreamingTesting
import SluiceTesting
import SluiceTopology
import Testing

/// The Delta log Sluice writes, read back by delta-rs and polars; commits raced by threads.
@Suite("Delta table: the log, outside readers, racing writers", .timeLimit(.minutes(3)))
struct DeltaTableTests {
    static let schema = DeltaSchema(columns: [
        .init("event_id", .string, nullable: false), .init("amount", .double), .init("count", .long),
        .init("event_time", .timestamp), .init("date", .string),
    ])

    static func makeTable() throws -> (folder: String, table: DeltaTable) {
        let folder = NSTemporaryDirectory() + "/" + TestServices.uniqueName("delta")
        let table = DeltaTable(path: folder + "/fraud")
        try table.create(
            metadata: DeltaMetadata(
                id: UUID().uuidString.lowercased(), schema: schema, partitionColumns: ["date"], name: "fraud",
                createdTime: 1_796_000_000_000), now: 1_796_000_000_000)
        return (folder, table)
    }

    /// Writes a data file of `rows` rows into the table's folder and returns its `add` action.
    static func dataFile(
        _ table: DeltaTable, date: String, first: Int, rows: Int, modificationTime: Int64 = 1_796_000_000_000
    ) throws -> DeltaAddFile {
        let relative = "date=\(date)/part-\(UUID().uuidString.lowercased()).parquet"
        try FileManager.default.createDirectory(
            atPath: table.path + "/date=\(date)", withIntermediateDirectories: true)
        let writer = try ParquetWriter(
            path: table.path + "/" + relative,
            schema: [
                ParquetField("event_id", .string, optional: false), ParquetField("amount", .double),
                ParquetField("count", .int64), ParquetField("event_time", .timestampMillis),
            ])
        var nulls: Int64 = 0
        for row in first..<(first + rows) {
            try writer.append("e-\(row)")
            if row % 7 == 0 {
                try writer.append(nil as Double?)
                nulls += 1
            } else {
                try writer.append(Double(row) / 4)
            }
            try writer.append(Int64(row % 11))
            try writer.append(Int64(1_796_000_000_000 + row * 1000))
            try writer.endRow()
        }
        _ = try writer.close()
        let size = (try FileManager.default.attributesOfItem(atPath: table.path + "/" + relative)[.size] as? Int)!
        let amounts = (first..<(first + rows)).filter { $0 % 7 != 0 }.map { Double($0) / 4 }
        let stats = DeltaFileStats(
            numRecords: Int64(rows),
            minValues: [
                "event_id": .string("e-\(first)"), "amount": .double(amounts.min()!), "count": .integer(0),
                "event_time": .timestamp(Int64(1_796_000_000_000 + first * 1000)),
            ],
            maxValues: [
                "amount": .double(amounts.max()!), "count": .integer(10),
                "event_time": .timestamp(Int64(1_796_000_000_000 + (first + rows - 1) * 1000)),
            ],
            nullCount: ["event_id": 0, "amount": nulls, "count": 0, "event_time": 0])
        return DeltaAddFile(
            path: relative, partitionValues: ["date": date], size: Int64(size), modificationTime: modificationTime,
            dataChange: true, stats: stats.json)
    }

    struct Read: Decodable {
        var version: Int64
        var columns: [String]
        var rows: [[String: String?]]
        var transactions: [String: Int64?]
        var files: [String]
        var polarsRows: Int
        var protocolVersions: [Int]

        enum CodingKeys: String, CodingKey {
            case version, columns, rows, transactions, files, polarsRows
            case protocolVersions = "protocol"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            version = try container.decode(Int64.self, forKey: .version)
            columns = try container.decode([String].self, forKey: .columns)
            transactions = try container.decode([String: Int64?].self, forKey: .transactions)
            files = try container.decode([String].self, forKey: .files)
            polarsRows = try container.decode(Int.self, forKey: .polarsRows)
            protocolVersions = try container.decode([Int].self, forKey: .protocolVersions)
            // Rows as text, whatever the JSON type of each value.
            let raw = try container.decode([[String: Value]].self, forKey: .rows)
            rows = raw.map { $0.mapValues(\.text) }
        }

        struct Value: Decodable {
            var text: String?
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if container.decodeNil() {
                    text = nil
                } else if let number = try? container.decode(Double.self) {
                    text = String(number)
                } else {
                    text = try container.decode(String.self)
                }
            }
        }
    }

    static func read(_ table: DeltaTable, version: Int64? = nil, apps: [String] = []) async throws -> Read {
        try await PythonTools.runJSON(
            "delta_reference.py",
            ["read", table.path, version.map(String.init) ?? "-"] + (apps.isEmpty ? [] : [apps.joined(separator: ",")]),
            as: Read.self)
    }

    @Test(
        "commits of files with stats and transaction versions: delta-rs and polars read every version as Sluice's log says"
    )
    func outsideReaders() async throws {
        let (folder, table) = try Self.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var first = 0
        for (index, date) in ["2026-11-30", "2026-12-01", "2026-12-01"].enumerated() {
            let files = try [
                Self.dataFile(table, date: date, first: first, rows: 300),
                Self.dataFile(table, date: date, first: first + 300, rows: 200),
            ]
            first += 500
            let version = try table.commitNext { _ in
                files.map(DeltaAction.add) + [
                    .transaction(DeltaTransaction(appID: "fraud:transactions:0", version: Int64(first - 1))),
                    .commitInfo(
                        DeltaCommitInfo(
                            timestamp: 1_796_000_000_000 + Int64(index), operation: "WRITE",
                            operationParameters: ["mode": "Append"], metrics: ["numFiles": 2, "numOutputRows": 500])),
                ]
            }
            #expect(version == Int64(index + 1))
        }
        let snapshot = try table.snapshot()
        #expect(snapshot.version == 3 && snapshot.files.count == 6 && snapshot.rowCount == 1_500)
        #expect(snapshot.transactions["fraud:transactions:0"]?.version == 1_499)

        let latest = try await Self.read(table, apps: ["fraud:transactions:0", "other"])
        #expect(latest.version == 3 && latest.rows.count == 1_500 && latest.polarsRows == 1_500)
        #expect(latest.protocolVersions == [1, 2])
        #expect(latest.transactions["fraud:transactions:0"] == .some(1_499))
        #expect(latest.transactions["other"] == .some(nil))
        #expect(Set(latest.files) == Set(snapshot.files.keys))
        #expect(Set(latest.columns) == ["event_id", "amount", "count", "event_time", "date"])
        let row = try #require(latest.rows.first { $0["event_id"] == "e-8" })
        #expect(row["amount"] == "2.0" && row["count"] == "8.0" && row["date"] == "2026-11-30")
        #expect(row["event_time"]??.hasPrefix("2026-11-30T") == true, "\(row)")
        #expect(latest.rows.first { $0["event_id"] == "e-7" }?["amount"] == .some(nil))

        // Time travel: version 1 is the first commit's 500 rows, in delta-rs and in Sluice.
        let first1 = try await Self.read(table, version: 1)
        #expect(first1.version == 1 && first1.rows.count == 500 && first1.polarsRows == 500)
        #expect(try table.snapshot(version: 1).rowCount == 500)
    }

    @Test("writers racing on one table: every commit lands once, versions without gaps, nothing overwritten")
    func racingWriters() async throws {
        let (folder, table) = try Self.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writers = 4
        let commitsEach = 8
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for commit in 0..<commitsEach {
                        let file = try Self.dataFile(
                            table, date: "2026-12-0\(writer + 1)", first: (writer * 100 + commit) * 10, rows: 10)
                        _ = try table.commitNext { _ in
                            [
                                .add(file),
                                .transaction(DeltaTransaction(appID: "writer-\(writer)", version: Int64(commit))),
                            ]
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try table.versions() == Array(0...Int64(writers * commitsEach)))
        let snapshot = try table.snapshot()
        #expect(snapshot.files.count == writers * commitsEach && snapshot.rowCount == Int64(writers * commitsEach * 10))
        for writer in 0..<writers {
            #expect(snapshot.transactions["writer-\(writer)"]?.version == Int64(commitsEach - 1))
        }
        let read = try await Self.read(table)
        #expect(
            read.rows.count == writers * commitsEach * 10
                && Set(read.rows.compactMap { $0["event_id"] ?? nil }).count == read.rows.count)
        // No temporary file is left in the log.
        #expect(try FileManager.default.contentsOfDirectory(atPath: table.logPath).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test("a damaged commit, a gap and a newer protocol: errors that name the file and what to do")
    func badLogs() throws {
        let (folder, table) = try Self.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try Self.dataFile(table, date: "2026-12-01", first: 0, rows: 5)
        _ = try table.commitNext { _ in [.add(file)] }
        let commit1 = table.logPath + "/" + DeltaLogFiles.commit(1)
        let good = try Data(contentsOf: URL(fileURLWithPath: commit1))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: commit1))
        #expect {
            try table.snapshot()
        } throws: { error in
            let error = error as? DeltaLogError
            return error?.kind == .corrupt && error?.message.contains("\(commit1):1:") == true
        }
        try good.write(to: URL(fileURLWithPath: commit1))
        try Data("{\"commitInfo\":{}}\n".utf8).write(
            to: URL(fileURLWithPath: table.logPath + "/" + DeltaLogFiles.commit(3)))
        #expect(throws: DeltaLogError.self) { try table.snapshot() }
        try FileManager.default.removeItem(atPath: table.logPath + "/" + DeltaLogFiles.commit(3))
        try Data(
            (DeltaAction.protocolVersions(
                DeltaProtocol(
                    minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors"],
                    writerFeatures: ["deletionVectors"])
            ).line + "\n").utf8
        ).write(
            to: URL(fileURLWithPath: table.logPath + "/" + DeltaLogFiles.commit(2)))
        #expect {
            try table.snapshot()
        } throws: { error in
            let error = error as? DeltaLogError
            return error?.kind == .unsupportedProtocol
                && error?.message.contains("reader version 3 (deletionVectors)") == true
        }
        #expect(try table.snapshot(version: 1).files.count == 1, "older versions still read")

        // An action of a feature Sluice does not implement: refused by file, line and name.
        let commit2 = table.logPath + "/" + DeltaLogFiles.commit(2)
        try Data("{\"commitInfo\":{\"timestamp\":1}}\n{\"cdc\":{\"path\":\"_change_data/x.parquet\"}}\n".utf8).write(
            to: URL(fileURLWithPath: commit2))
        #expect {
            try table.snapshot()
        } throws: { error in
            let message = (error as? DeltaLogError)?.message ?? ""
            return message.contains("\(commit2):2:") && message.contains("'cdc'")
        }
        #expect(throws: DeltaLogError.self) { try table.commitNext { _ in [] } }
    }

    @Test(
        "the feature log's table: a topology that adds features adds columns; one that drops or retypes them is refused by name"
    )
    func schemaEvolution() throws {
        let folder = NSTemporaryDirectory() + "/" + TestServices.uniqueName("delta-schema")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let full = try EngineTestSupport.fraudTopology(name: "evolve", topic: "t").compiled.topology
        // The same topology without the card's 24-hour count.
        let (path, _) = try EngineTestSupport.fraudTopology(name: "evolve", topic: "t")
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
            of:
                "      txn_count_24h:          { agg: count, window: 24h, tile: 1h, description: Transactions in the last 24 hours. }\n",
            with: "")
        let smallerPath = folder + "-smaller.yaml"
        try text.write(toFile: smallerPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: smallerPath) }
        let smaller = try TopologyLoader.load(file: smallerPath)
        let (fullLayout, smallerLayout) = (FeatureLogLayout(topology: full), FeatureLogLayout(topology: smaller))
        #expect(fullLayout.columns.count == smallerLayout.columns.count + 1)

        let table = folder + "/evolve"
        _ = try FeatureLogDeltaTable.open(path: table, layout: smallerLayout, topology: "evolve", topic: "t", now: 1)
        _ = try FeatureLogDeltaTable.open(path: table, layout: smallerLayout, topology: "evolve", topic: "t", now: 2)
        #expect(try DeltaTable(path: table).versions() == [0], "the same schema commits nothing")
        _ = try FeatureLogDeltaTable.open(path: table, layout: fullLayout, topology: "evolve", topic: "t", now: 3)
        let evolved = try DeltaTable(path: table).snapshot()
        #expect(
            evolved.version == 1
                && evolved.metadata?.schema
                    == FeatureLogDeltaTable.schema(smallerLayout).adding(
                        FeatureLogDeltaTable.schema(fullLayout))
        )
        #expect(evolved.metadata?.schema.column(named: "card__txn_count_24h") != nil)
        #expect {
            try FeatureLogDeltaTable.open(path: table, layout: smallerLayout, topology: "evolve", topic: "t", now: 4)
        } throws: { error in
            let message = (error as? OfflineError)?.message ?? ""
            return message.contains("columns no longer written: card__txn_count_24h") && message.contains("--new-table")
        }

        // --new-table: one CREATE OR REPLACE TABLE commit, same id, no files, transaction versions
        // back to -1; the version before still reads as it was.
        let deltaTable = DeltaTable(path: table)
        _ = try deltaTable.commitNext { _ in
            [
                .add(
                    DeltaAddFile(
                        path: "date=2026-12-01/part-a.parquet", partitionValues: ["date": "2026-12-01"], size: 10,
                        modificationTime: 5, dataChange: true, stats: nil)),
                .transaction(DeltaTransaction(appID: "evolve:t:0", version: 41)),
            ]
        }
        _ = try FeatureLogDeltaTable.open(
            path: table, layout: smallerLayout, topology: "evolve", topic: "t", now: 6, replaceIncompatible: true)
        let replaced = try deltaTable.snapshot()
        #expect(replaced.version == 3 && replaced.files.isEmpty)
        #expect(replaced.metadata?.schema == FeatureLogDeltaTable.schema(smallerLayout))
        #expect(replaced.metadata?.id == evolved.metadata?.id)
        #expect(replaced.transactions["evolve:t:0"]?.version == -1)
        #expect(try deltaTable.snapshot(version: 2).files.count == 1)
        let check = try FeatureLogTableCheck.run(path: table)
        #expect(check.problems.isEmpty, "\(check.problems)")
        // A table that fits is never replaced, flag or not.
        _ = try FeatureLogDeltaTable.open(
            path: table, layout: smallerLayout, topology: "evolve", topic: "t", now: 7, replaceIncompatible: true)
        #expect(try deltaTable.versions().last == 3)
    }

    @Test("vacuum deletes what no snapshot in the retention needs, and old uncommitted leftovers; never a fresh one")
    func vacuum() async throws {
        let (folder, table) = try Self.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let day: Int64 = 86_400_000
        func age(_ relative: String, days: Int64) throws {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: Double(now - days * day) / 1000)],
                ofItemAtPath: table.path + "/" + relative)
        }
        func info(_ time: Int64) -> DeltaAction { .commitInfo(DeltaCommitInfo(timestamp: time, operation: "WRITE")) }
        let a = try Self.dataFile(table, date: "2026-12-01", first: 0, rows: 10)
        let b = try Self.dataFile(table, date: "2026-12-01", first: 10, rows: 10)
        _ = try table.commitNext { _ in [.add(a), .add(b), info(now - 10 * day)] }
        _ = try table.commitNext { _ in
            [
                .remove(
                    DeltaRemoveFile(
                        path: a.path, deletionTimestamp: now - 9 * day, dataChange: true,
                        partitionValues: a.partitionValues, size: a.size, stats: a.stats)), info(now - 9 * day),
            ]
        }
        let c = try Self.dataFile(table, date: "2026-12-02", first: 20, rows: 10)
        _ = try table.commitNext { _ in [.add(c), info(now - day)] }
        let oldLeftover = try Self.dataFile(table, date: "2026-12-02", first: 30, rows: 10).path
        let freshLeftover = try Self.dataFile(table, date: "2026-12-02", first: 40, rows: 10).path
        for file in [a.path, b.path, oldLeftover] { try age(file, days: 9) }

        let dry = try DeltaVacuum.run(path: table.path, retain: 7 * day, now: now, dryRun: true)
        #expect(dry.deleted == [a.path, oldLeftover].sorted() && dry.kept == 2)
        #expect(FileManager.default.fileExists(atPath: table.path + "/" + a.path), "a dry run deletes nothing")
        let done = try DeltaVacuum.run(path: table.path, retain: 7 * day, now: now, dryRun: false)
        #expect(done.deleted == dry.deleted && done.bytes > 0)
        for (file, exists) in [
            (a.path, false), (oldLeftover, false), (b.path, true), (c.path, true), (freshLeftover, true),
        ] {
            #expect(FileManager.default.fileExists(atPath: table.path + "/" + file) == exists, "\(file)")
        }
        let read = try await Self.read(table)
        #expect(read.rows.count == 20 && read.version == 3)
    }
}
