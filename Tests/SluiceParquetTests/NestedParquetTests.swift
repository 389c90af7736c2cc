import Foundation
import SluiceParquet
import SluiceTesting
import Testing

/// `NestedParquetWriter` and `ParquetReader.readLeveled` against pyarrow in both directions: our
/// nested file reads back in pyarrow as the rows we meant, and pyarrow's rewrites of it (data
/// pages v1 and v2, every codec, with and without dictionary) read back in Sluice with the same
/// levels and values as our own file.
@Suite("Nested Parquet (structs, maps, lists) against pyarrow")
struct NestedParquetTests {
    static let schema: [ParquetNode] = [
        .structure(
            "add",
            [
                .column("path", .string, optional: false), .map("partitionValues", value: .string),
                .column("size", .int64, optional: false), .column("dataChange", .boolean, optional: false),
                .column("stats", .string),
            ]),
        .structure(
            "protocol",
            [.column("minReaderVersion", .int32, optional: false), .list("readerFeatures", element: .string)]),
        .column("score", .double),
    ]

    /// A row as values for the writer and as the JSON pyarrow's `to_pylist` gives.
    struct Row {
        var values: [ParquetValue]
        var json: [String: Any]
    }

    static func rows() -> [Row] {
        var rows: [Row] = []
        for index in 0..<300 {
            let partitions: [(String, String?)] =
                switch index % 4 {
                case 0: [("date", "2026-12-0\(index % 9 + 1)")]
                case 1: []
                case 2: [("date", nil), ("region", "eu-\(index)")]
                default: [("a", "1"), ("b", "2"), ("c", "ü✓")]
                }
            let add: ParquetValue =
                index % 5 == 4
                ? .null
                : .group([
                    .string("date=x/part-\(index).parquet"),
                    .map(partitions.map { (key: $0.0, value: .optional($0.1)) }),
                    .int64(Int64(index) * 1000 - 7), .boolean(index % 2 == 0),
                    index % 3 == 0 ? .null : .string("{\"numRecords\":\(index)}"),
                ])
            let addJSON: Any =
                index % 5 == 4
                ? NSNull()
                : [
                    "path": "date=x/part-\(index).parquet",
                    "partitionValues": partitions.map { [$0.0, $0.1.map { $0 as Any } ?? NSNull()] },
                    "size": Int64(index) * 1000 - 7, "dataChange": index % 2 == 0,
                    "stats": index % 3 == 0 ? NSNull() : "{\"numRecords\":\(index)}" as Any,
                ] as [String: Any]
            let features: [String?]? =
                switch index % 6 {
                case 0: nil
                case 1: []
                case 2: ["deletionVectors"]
                case 3: [nil, "x", nil]
                default: ["a", "b"]
                }
            let protocolValue: ParquetValue =
                index % 7 == 6
                ? .null
                : .group([.int32(Int32(index % 3 + 1)), features.map { .list($0.map(ParquetValue.optional)) } ?? .null])
            let protocolJSON: Any =
                index % 7 == 6
                ? NSNull()
                : [
                    "minReaderVersion": index % 3 + 1,
                    "readerFeatures": features.map { $0.map { $0 as Any? ?? NSNull() } } ?? NSNull() as Any,
                ] as [String: Any]
            let score: Double? = index % 4 == 3 ? nil : Double(index) / 8
            rows.append(
                Row(
                    values: [add, protocolValue, score.map(ParquetValue.double) ?? .null],
                    json: ["add": addJSON, "protocol": protocolJSON, "score": score.map { $0 as Any } ?? NSNull()]))
        }
        return rows
    }

    struct Check: Decodable {
        let matched: Bool
        let difference: String?
        let schema: String
        let files: [String]
    }

    @Test("a nested file reads back in pyarrow, and pyarrow's rewrites read back in Sluice alike")
    func bothDirections() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            TestServices.uniqueName("nested-parquet")
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/sluice.parquet"
        var writer = try NestedParquetWriter(schema: Self.schema)
        let rows = Self.rows()
        for row in rows { try writer.append(row.values) }
        try writer.write(to: path)
        let expectedPath = folder + "/expected.json"
        try JSONSerialization.data(withJSONObject: rows.map(\.json)).write(to: URL(fileURLWithPath: expectedPath))

        let check = try await PythonTools.runJSON(
            "nested_parquet_check.py", [path, expectedPath, folder], as: Check.self)
        #expect(check.matched, "\(check.difference ?? "")\n\(check.schema)")
        #expect(check.files.count == 12)

        let ours = try ParquetReader.readLeveled(path: path)
        #expect(ours.rowCount == 300)
        #expect(
            ours.columns.map { $0.path.joined(separator: ".") } == [
                "add.path", "add.partitionValues.key_value.key", "add.partitionValues.key_value.value", "add.size",
                "add.dataChange", "add.stats", "protocol.minReaderVersion", "protocol.readerFeatures.list.element",
                "score",
            ])
        // Levels worked out by hand for the map's keys of rows 0-4: one entry; an empty map; two
        // entries; three entries; a null `add`.
        let keys = try #require(ours.column(["add", "partitionValues", "key_value", "key"]))
        #expect(keys.maxRepetition == 1 && keys.maxDefinition == 3)
        #expect(Array(keys.repetitionLevels.prefix(8)) == [0, 0, 0, 1, 0, 1, 1, 0])
        #expect(Array(keys.definitionLevels.prefix(8)) == [3, 2, 3, 3, 3, 3, 3, 0])
        for file in check.files {
            let theirs = try ParquetReader.readLeveled(path: file)
            #expect(theirs.rowCount == ours.rowCount, "\(file)")
            #expect(theirs.columns.map(\.path) == ours.columns.map(\.path), "\(file)")
            for (their, our) in zip(theirs.columns, ours.columns) {
                let name = "\(file): \(our.path.joined(separator: "."))"
                #expect(their.maxRepetition == our.maxRepetition && their.maxDefinition == our.maxDefinition, "\(name)")
                #expect(their.repetitionLevels == our.repetitionLevels, "\(name)")
                #expect(their.definitionLevels == our.definitionLevels, "\(name)")
                #expect(their.values == our.values, "\(name)")
            }
        }
    }

    @Test("values that do not fit the schema are refused by name")
    func refusals() throws {
        var writer = try NestedParquetWriter(schema: Self.schema)
        #expect(throws: ParquetError.self) { try writer.append([.null, .null]) }
        #expect(throws: ParquetError.self) {
            try writer.append([.group([.null, .null, .int64(1), .boolean(true), .null]), .null, .null])
        }
        #expect(throws: ParquetError.self) { try writer.append([.null, .null, .string("not a double")]) }
        // The refused rows left nothing behind.
        try writer.append([.null, .null, .double(1)])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            TestServices.uniqueName("refusals") + ".parquet"
        ).path
        try writer.write(to: path)
        let file = try ParquetReader.readLeveled(path: path)
        #expect(file.rowCount == 1)
        #expect(file.columns.allSatisfy { $0.definitionLevels.count == 1 })
    }
}
