import Foundation
import Testing

@testable import SluiceDrift

@Suite("Drift decisions and bad input")
struct DatasetComparisonTests {
    static func compare(
        _ reference: [(String, ColumnSample)], _ current: [(String, ColumnSample)], columns: [String]? = nil,
        bins: Int = 10, policy: DriftPolicy = DriftPolicy()
    ) -> DatasetComparison {
        DatasetComparison.compare(
            reference: reference.map { (name: $0.0, sample: $0.1) },
            current: current.map { (name: $0.0, sample: $0.1) },
            columns: columns, bins: bins, policy: policy)
    }

    static func column(_ comparison: DatasetComparison, _ name: String) throws -> ColumnComparison {
        try #require(comparison.columns.first { $0.column == name })
    }

    /// Encodes the comparison and fails if a number is not finite (JSONEncoder refuses NaN).
    static func json(_ comparison: DatasetComparison) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(comparison)) as! [String: Any]
    }

    @Test("a column's JSON reads back into the same comparison (the drift topic's records)")
    func jsonRoundTrip() throws {
        let comparison = Self.compare(
            [
                ("n", .numeric((0..<500).map { Double($0 % 37) })), ("c", .categorical((0..<300).map { "k\($0 % 5)" })),
                ("few", .numeric([1, 2, 3])), ("empty", .numeric([nil, nil])),
            ],
            [
                ("n", .numeric((0..<400).map { Double($0 % 41) + 2 })),
                ("c", .categorical((0..<200).map { "k\($0 % 7)" })),
                ("few", .numeric([2, 3])), ("empty", .numeric([1])),
            ])
        let encoded = try JSONEncoder().encode(comparison.columns)
        let decoded = try JSONDecoder().decode([ColumnComparison].self, from: encoded)
        #expect(decoded == comparison.columns)
        #expect(
            DatasetComparison(referenceRows: 500, currentRows: 400, columns: decoded.reversed()).columns.map(\.column)
                == comparison.columns.map(\.column),
            "sorted by severity again")
    }

    @Test("a column missing from one side, or of another kind there, is reported, not compared")
    func missingAndMismatched() throws {
        let comparison = Self.compare(
            [("a", .numeric([1, 2, 3])), ("b", .numeric([1, 2])), ("c", .categorical(["x"]))],
            [("a", .numeric([1, 2, 3])), ("c", .numeric([1]))], columns: ["a", "b", "c", "d"])
        #expect(try Self.column(comparison, "b").problems == ["the current has no column 'b'"])
        #expect(
            try Self.column(comparison, "d").problems == [
                "the reference has no column 'd'", "the current has no column 'd'",
            ])
        #expect(
            try Self.column(comparison, "c").problems == [
                "the reference's values are categorical and the current ones numeric"
            ])
        #expect(try Self.column(comparison, "a").decision != nil)
        _ = try Self.json(comparison)
    }

    @Test("empty and all-null sides: null shares, no statistics, a problem each")
    func emptyAndAllNull() throws {
        let comparison = Self.compare(
            [("empty", .numeric([])), ("nulls", .numeric([nil, .nan, nil])), ("words", .categorical([nil, nil]))],
            [("empty", .numeric([1])), ("nulls", .numeric([1, 2])), ("words", .categorical(["a"]))])
        let empty = try Self.column(comparison, "empty")
        #expect(empty.problems == ["the reference has no rows"] && empty.reference.nullShare == nil)
        let nulls = try Self.column(comparison, "nulls")
        #expect(nulls.problems == ["the reference's 3 rows are all null"] && nulls.reference.nullShare == 1)
        #expect(nulls.kolmogorovSmirnov == nil && nulls.psi == nil && nulls.decision == nil)
        #expect(try Self.column(comparison, "words").problems == ["the reference's 2 rows are all null"])
        let json = try Self.json(comparison)
        let first = (json["columns"] as! [[String: Any]]).first { $0["column"] as? String == "nulls" }!
        #expect(first["psi"] is NSNull && first["decision"] is NSNull)
    }

    @Test("constant columns: no drift against themselves, drift when the constant moves")
    func constantColumns() throws {
        let same = Self.compare(
            [("c", .numeric(Array(repeating: 7, count: 50)))], [("c", .numeric(Array(repeating: 7, count: 40)))])
        let column = try Self.column(same, "c")
        #expect(column.kolmogorovSmirnov?.pValue == 1 && column.wasserstein == 0 && column.psi == 0)
        #expect(column.bins?.innerEdges == [7] && column.decision?.drifted == false)
        let moved = Self.compare(
            [("c", .numeric(Array(repeating: 7, count: 50)))], [("c", .numeric(Array(repeating: 8, count: 40)))])
        let shifted = try Self.column(moved, "c")
        #expect(shifted.decision?.drifted == true)
        // The Wasserstein distance over the 0.001 floor of a zero standard deviation.
        #expect(shifted.wassersteinNormalised == 1 / 0.001)
    }

    @Test("a reference with fewer values than bins keeps KS and Wasserstein and says why PSI is missing")
    func fewerValuesThanBins() throws {
        let comparison = Self.compare([("x", .numeric([1, 2, 3]))], [("x", .numeric([2, 3, 4, 5]))], bins: 10)
        let column = try Self.column(comparison, "x")
        #expect(column.kolmogorovSmirnov != nil && column.wasserstein != nil && column.psi == nil)
        #expect(column.problems == ["the reference has 3 values, fewer than 10 bins: PSI, KL and JS are left out"])
        #expect(column.decision?.method == .ks)
    }

    @Test("one category on both sides: chi-square has no degrees of freedom and p = 1")
    func singleCategory() throws {
        let comparison = Self.compare([("k", .categorical(["a", "a"]))], [("k", .categorical(["a"]))])
        let column = try Self.column(comparison, "k")
        #expect(column.chiSquare == ChiSquareTest(statistic: 0, degreesOfFreedom: 0, pValue: 1))
        #expect(column.decision?.drifted == false && column.unseenCategories.isEmpty)
    }

    @Test("the method follows kind and sample size; overrides replace method or threshold")
    func policy() {
        let policy = DriftPolicy()
        #expect(policy.rule(column: "x", kind: .numeric, smallerCount: 1_000).method == .ks)
        #expect(policy.rule(column: "x", kind: .numeric, smallerCount: 1_001) == .init(method: .psi, threshold: 0.2))
        #expect(policy.rule(column: "x", kind: .categorical, smallerCount: 10).method == .chi2)
        #expect(policy.rule(column: "x", kind: .categorical, smallerCount: 5_000) == .init(method: .js, threshold: 0.1))
        var custom = DriftPolicy()
        custom.overrides["amount"] = .init(method: .wasserstein)
        custom.overrides["count"] = .init(threshold: 0.3)
        #expect(
            custom.rule(column: "amount", kind: .numeric, smallerCount: 10)
                == .init(method: .wasserstein, threshold: 0.1))
        #expect(
            custom.rule(column: "count", kind: .numeric, smallerCount: 5_000) == .init(method: .psi, threshold: 0.3))
        #expect(DriftDecision(method: .ks, value: 0.01, threshold: 0.05).drifted)
        #expect(!DriftDecision(method: .psi, value: 0.19, threshold: 0.2).drifted)
        #expect(DriftDecision(method: .psi, value: 0.2, threshold: 0.2).drifted)
    }

    @Test("columns come drifted first, each group by how far past its threshold")
    func severityOrder() throws {
        var random = SystemRandomNumberGenerator()
        let base = (0..<2_000).map { _ in Double.random(in: 0..<1, using: &random) }
        let comparison = Self.compare(
            [("calm", .numeric(base)), ("mild", .numeric(base)), ("wild", .numeric(base)), ("none", .numeric([]))],
            [
                ("calm", .numeric(base)), ("mild", .numeric(base.map { $0 * 1.3 })),
                ("wild", .numeric(base.map { $0 + 5 })),
                ("none", .numeric([])),
            ])
        #expect(comparison.columns.map(\.column) == ["wild", "mild", "calm", "none"])
    }
}
