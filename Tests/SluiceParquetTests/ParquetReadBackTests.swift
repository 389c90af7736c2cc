import Foundation
import SluiceCore
import SluiceParquet
import SluiceTesting
import Testing

/// Files written by `ParquetWriter` are read back by pyarrow, DuckDB and pandas
/// (scripts/py/parquet_check.py), which compare values, types, nulls, statistics and metadata
/// with what the test meant to write.
@Suite("Parquet files read back by pyarrow, DuckDB and pandas")
struct ParquetReadBackTests {
    @Test("every type, nulls and edge values, with each codec", arguments: ParquetCompression.allCases)
    func everyTypeAndCodec(compression: ParquetCompression) async throws {
        var table = ExpectedTable(fields: [
            ParquetField("txn_id", .string, optional: false),
            ParquetField("note", .string),
            ParquetField("mcc", .int32),
            ParquetField("offset", .int64, optional: false),
            ParquetField("amount", .double),
            ParquetField("is_fraud", .boolean),
            ParquetField("ts", .timestampMillis),
        ])
        let doubles: [Double?] = [
            0, -0.0, 1.5, -2.25, .nan, .infinity, -.infinity, .greatestFiniteMagnitude, nil, 1e-300,
        ]
        let strings: [String?] = ["", "plain", "ünïcødé ✓", nil, String(repeating: "x", count: 5000), "a\u{0}b"]
        let integers: [Int32?] = [Int32.min, Int32.max, 0, -1, nil, 5411]
        let longs: [Int64] = [Int64.min, Int64.max, 0, -1, 42]
        for row in 0..<500 {
            table.append([
                .string("tx-\(row)"),
                strings[row % strings.count].map(ExpectedValue.string) ?? .null,
                integers[row % integers.count].map(ExpectedValue.int32) ?? .null,
                .int64(longs[row % longs.count]),
                doubles[row % doubles.count].map(ExpectedValue.double) ?? .null,
                row % 7 == 0 ? .null : .boolean(row % 3 == 0),
                row % 11 == 0 ? .null : .int64(1_764_000_000_000 + Int64(row) * 997 - 400_000),
            ])
        }
        var options = ParquetWriterOptions()
        options.compression = compression
        options.metadata = [("sluice.topology", "fraud"), ("sluice.note", "ünïcødé")]
        try await table.writeAndCheck(options: options, codec: compression)
    }

    @Test("dictionary for repetitive columns, PLAIN for distinct ones, across pages and row groups")
    func dictionaryAndPlainAcrossGroups() async throws {
        var table = ExpectedTable(fields: [
            ParquetField("currency", .string), ParquetField("txn_id", .string), ParquetField("mcc", .int32),
            ParquetField("amount", .double),
        ])
        let currencies = ["EUR", "USD", "GBP", nil, "CHF"]
        for row in 0..<40_000 {
            table.append([
                currencies[row % 5].map(ExpectedValue.string) ?? .null, .string("txn-\(row)-\(row * 7919)"),
                .int32(Int32(5000 + row % 9)), .double(Double(row) * 0.37),
            ])
        }
        table.dictionaryExpected = ["currency": true, "txn_id": false, "mcc": true, "amount": false]
        var options = ParquetWriterOptions()
        options.rowGroupBytes = 300_000
        options.pageBytes = 16_384
        let summary = try await table.writeAndCheck(options: options, codec: .zstd)
        #expect(summary.rowGroupCount > 3, "small row groups should split 40k rows; got \(summary.rowGroupCount)")
    }

    @Test("an empty file with a schema is readable")
    func emptyFile() async throws {
        let table = ExpectedTable(fields: [ParquetField("a", .string), ParquetField("b", .int64, optional: false)])
        let summary = try await table.writeAndCheck(options: ParquetWriterOptions(), codec: nil)
        #expect(summary.rowCount == 0)
    }

    @Test("random schemas and values round-trip", arguments: 1...12)
    func randomRoundTrip(seed: Int) async throws {
        var random = SeededRandom(seed: UInt64(seed) * 7_919)
        let columnCount = Int.random(in: 1...10, using: &random)
        let fields = (0..<columnCount).map { index in
            ParquetField(
                "c\(index)_\(String(repeating: "é", count: index % 3))",
                ParquetType.allCases.randomElement(using: &random)!,
                optional: Bool.random(using: &random), dictionary: Bool.random(using: &random))
        }
        var table = ExpectedTable(fields: fields)
        let rows = [0, 1, 7, 100, 2_000, 9_000].randomElement(using: &random)!
        let nullRate = [0.0, 0.1, 0.5, 0.99].randomElement(using: &random)!
        let cardinality = [1, 3, 50, 100_000].randomElement(using: &random)!
        for _ in 0..<rows {
            table.append(
                fields.map { field in
                    if field.isOptional && Double.random(in: 0..<1, using: &random) < nullRate { return .null }
                    return ExpectedValue.random(field.type, cardinality: cardinality, using: &random)
                })
        }
        var options = ParquetWriterOptions()
        options.compression = ParquetCompression.allCases.randomElement(using: &random)!
        options.rowGroupBytes = [4_096, 100_000, 64 << 20].randomElement(using: &random)!
        options.pageBytes = [512, 8_192, 1 << 20].randomElement(using: &random)!
        options.dictionaryPageLimit = [256, 1 << 20].randomElement(using: &random)!
        options.metadata = [("seed", String(seed))]
        try await table.writeAndCheck(options: options, codec: options.compression)
    }
}

// MARK: - Errors

@Suite("ParquetWriter rejects what the schema does not allow")
struct ParquetWriterErrorTests {
    @Test("null in a required column, a wrong type, a short row, a long row")
    func invalidRows() throws {
        let path = ExpectedTable.temporaryPath("invalid")
        defer { unlink(path) }
        let writer = try ParquetWriter(
            path: path, schema: [ParquetField("id", .string, optional: false), ParquetField("n", .int64)])
        #expect(throws: ParquetError.self) { try writer.appendNull() }
        #expect(throws: ParquetError.self) { try writer.append(Double(1)) }
        try writer.append("a")
        let short = #expect(throws: ParquetError.self) { try writer.endRow() }
        #expect(short?.description.contains("missing 'n'") == true)
        try writer.append(Int64(1))
        #expect(throws: ParquetError.self) { try writer.append("extra") }
        try writer.endRow()
        let summary = try writer.close()
        #expect(summary.rowCount == 1)
        #expect(throws: ParquetError.self) { try writer.append("after close") }
    }

    @Test("an unusable schema or path is reported with the reason")
    func unusableSchemaAndPath() throws {
        let path = ExpectedTable.temporaryPath("schema")
        #expect(throws: ParquetError.self) { try ParquetWriter(path: path, schema: []) }
        #expect(throws: ParquetError.self) {
            try ParquetWriter(path: path, schema: [ParquetField("a", .int64), ParquetField("a", .string)])
        }
        let missingFolder = "/nonexistent-\(getpid())/file.parquet"
        let error = #expect(throws: ParquetError.self) {
            try ParquetWriter(path: missingFolder, schema: [ParquetField("a", .int64)])
        }
        #expect(error?.code == .ioFailed)
        #expect(error?.message.contains(missingFolder) == true)
        #expect(error?.message.contains("No such file") == true)
    }
}

// MARK: - Expected values

/// A value as the test means to write it; `canonical` is the form parquet_check.py compares.
enum ExpectedValue {
    case null
    case string(String)
    case int32(Int32)
    case int64(Int64)
    case double(Double)
    case boolean(Bool)

    var canonical: Any {
        switch self {
        case .null: NSNull()
        case .string(let value): value
        case .int32(let value): String(value)
        case .int64(let value): String(value)
        case .double(let value): String(Int64(bitPattern: value.bitPattern))
        case .boolean(let value): value ? "true" : "false"
        }
    }

    /// Same value, NaN equal to NaN and -0 distinct from +0 (bit patterns).
    func sameAs(_ other: ExpectedValue) -> Bool {
        switch (self, other) {
        case (.null, .null): true
        case (.string(let a), .string(let b)): a == b
        case (.int32(let a), .int32(let b)): a == b
        case (.int64(let a), .int64(let b)): a == b
        case (.double(let a), .double(let b)): a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        case (.boolean(let a), .boolean(let b)): a == b
        default: false
        }
    }

    static func values(of column: ParquetColumnValues, type: ParquetType) -> [ExpectedValue] {
        switch column {
        case .strings(let values): values.map { $0.map(ExpectedValue.string) ?? .null }
        case .int32s(let values): values.map { $0.map(ExpectedValue.int32) ?? .null }
        case .int64s(let values): values.map { $0.map(ExpectedValue.int64) ?? .null }
        case .doubles(let values): values.map { $0.map(ExpectedValue.double) ?? .null }
        case .booleans(let values): values.map { $0.map(ExpectedValue.boolean) ?? .null }
        }
    }

    func write(to writer: ParquetWriter) throws {
        switch self {
        case .null: try writer.appendNull()
        case .string(let value): try writer.append(value)
        case .int32(let value): try writer.append(value)
        case .int64(let value): try writer.append(value)
        case .double(let value): try writer.append(value)
        case .boolean(let value): try writer.append(value)
        }
    }

    static func random(_ type: ParquetType, cardinality: Int, using random: inout SeededRandom) -> ExpectedValue {
        let pick = Int.random(in: 0..<cardinality, using: &random)
        switch type {
        case .string:
            let alphabet = Array("abcXYZ09 _-é✓😀")
            let length = pick % 40
            var text = ""
            var state = pick
            for _ in 0..<length {
                text.append(alphabet[state % alphabet.count])
                state = state / alphabet.count + 7 * length
            }
            return .string(text)
        case .int32: return .int32(Int32(truncatingIfNeeded: pick &* 2_654_435_761) &- Int32(cardinality))
        case .int64: return .int64(Int64(pick) &* -6_364_136_223_846_793_005)
        case .double:
            let specials: [Double] = [.nan, .infinity, -.infinity, -0.0, 0, .leastNonzeroMagnitude]
            return pick % 97 < specials.count ? .double(specials[pick % 97]) : .double(Double(pick) * 1.37 - 50)
        case .boolean: return .boolean(pick % 2 == 0)
        case .timestampMillis: return .int64(1_700_000_000_000 + Int64(pick) * 86_399 - 5_000_000_000)
        }
    }
}

/// Rows the test writes, kept column by column for the checker.
struct ExpectedTable {
    let fields: [ParquetField]
    var rows: [[ExpectedValue]] = []
    var dictionaryExpected: [String: Bool] = [:]

    init(fields: [ParquetField]) { self.fields = fields }

    mutating func append(_ row: [ExpectedValue]) { rows.append(row) }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-parquet-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        ).path
    }

    /// Writes the rows, runs the checker, and fails the test on any mismatch it reports.
    @discardableResult
    func writeAndCheck(options: ParquetWriterOptions, codec: ParquetCompression?) async throws -> ParquetFileSummary {
        let path = Self.temporaryPath("data") + ".parquet"
        let expectedPath = path + ".expected.json"
        defer {
            unlink(path)
            unlink(expectedPath)
        }
        let writer = try ParquetWriter(path: path, schema: fields, options: options)
        for row in rows {
            for value in row { try value.write(to: writer) }
            try writer.endRow()
        }
        let summary = try writer.close()
        #expect(summary.rowCount == rows.count)

        var columns: [[String: Any]] = []
        for (index, field) in fields.enumerated() {
            var column: [String: Any] = [
                "name": field.name, "type": field.type.rawValue, "optional": field.isOptional,
                "values": rows.map { $0[index].canonical },
            ]
            if let dictionary = dictionaryExpected[field.name] { column["dictionary"] = dictionary }
            columns.append(column)
        }
        var spec: [String: Any] = [
            "columns": columns,
            "metadata": Dictionary(options.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }),
        ]
        if let codec { spec["codec"] = codec.rawValue.uppercased() }
        try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: expectedPath))

        // Sluice's own reader (used by verify-skew and training-set) reads back the same values.
        let table = try ParquetReader.read(path: path)
        #expect(table.rowCount == rows.count)
        #expect(table.fields.map(\.name) == fields.map(\.name))
        let footerFields = try ParquetReader.fields(path: path)
        #expect(
            footerFields.map { "\($0.name) \($0.type) \($0.isOptional)" }
                == fields.map { "\($0.name) \($0.type) \($0.isOptional)" })
        for (index, field) in fields.enumerated() {
            let expectedValues = rows.map { $0[index] }
            let readBack = ExpectedValue.values(of: table.columns[index], type: field.type)
            #expect(readBack.count == expectedValues.count)
            let wrong = zip(readBack, expectedValues).enumerated().first { !($0.element.0.sameAs($0.element.1)) }
            #expect(
                wrong == nil,
                "ParquetReader: column \(field.name) row \(wrong?.offset ?? -1): \(String(describing: wrong?.element))")
        }

        let report = try await PythonTools.runJSON("parquet_check.py", [path, expectedPath], as: CheckReport.self)
        #expect(report.mismatches.isEmpty, "\(report.mismatches.joined(separator: "\n"))")
        #expect(report.rows == ["pyarrow": rows.count, "duckdb": rows.count, "pandas": rows.count])
        return summary
    }
}

struct CheckReport: Decodable {
    var rows: [String: Int]
    var mismatches: [String]
}
