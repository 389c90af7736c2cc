import Foundation
import SluiceModel
import SluiceTesting
import Testing

/// Scores against xgboost's own `predict`, on models xgboost trains inside the test.
@Suite("XGBoost scoring against xgboost")
struct XGBoostScorerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var trees: Int
        var depth: Int
        var objective = "binary:logistic"
        var booster = "gbtree"
        var scalarBaseScore = false

        var testDescription: String {
            "\(trees) trees, depth \(depth), \(objective), \(booster)\(scalarBaseScore ? ", 1.x base_score" : "")"
        }

        var arguments: [String] {
            ["--trees", String(trees), "--depth", String(depth), "--objective", objective, "--booster", booster]
                + (scalarBaseScore ? ["--scalar-base-score"] : [])
        }
    }

    static let cases = [
        Case(trees: 1, depth: 2), Case(trees: 100, depth: 6), Case(trees: 500, depth: 8), Case(trees: 100, depth: 3),
        Case(trees: 100, depth: 5, objective: "binary:logitraw"), Case(trees: 100, depth: 5, objective: "reg:logistic"),
        Case(trees: 100, depth: 6, objective: "reg:squarederror"), Case(trees: 60, depth: 4, booster: "dart"),
        Case(trees: 100, depth: 6, scalarBaseScore: true),
    ]

    static func floats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    @Test("Scores equal xgboost's predict within 1e-6 on 10,000 rows with 10% missing", arguments: cases)
    func matchesXGBoost(_ testCase: Case) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("xgb")).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try await PythonTools.run("xgboost_reference.py", ["--out-dir", folder] + testCase.arguments)
        let model = try XGBoostModel.parse(try Data(contentsOf: URL(fileURLWithPath: folder + "/model.json")))
        let scorer = XGBoostScorer(model)
        let rows = try Self.floats(folder + "/rows.f32")
        let expected = try Self.floats(folder + "/predictions.f32")
        let features = scorer.featureCount
        #expect(rows.count == expected.count * features && scorer.treeCount == testCase.trees)

        var batch = [Float](repeating: 0, count: expected.count)
        rows.withUnsafeBufferPointer { matrix in
            batch.withUnsafeMutableBufferPointer { scores in
                scorer.score(matrix: matrix, rowCount: expected.count, into: scores)
            }
        }
        var worst: Float = 0
        var exact = 0
        for row in 0..<expected.count {
            let single = rows.withUnsafeBufferPointer { matrix in
                scorer.score(UnsafeBufferPointer(rebasing: matrix[(row * features)..<((row + 1) * features)]))
            }
            #expect(single.bitPattern == batch[row].bitPattern, "row \(row): the batch and the single row differ")
            worst = max(worst, abs(single - expected[row]))
            if single == expected[row] { exact += 1 }
        }
        #expect(worst <= 1e-6, "largest difference from xgboost: \(worst)")
        print(
            "\(testCase.testDescription): \(exact) of \(expected.count) scores equal xgboost's bit for bit; largest difference \(worst)"
        )
    }
}
