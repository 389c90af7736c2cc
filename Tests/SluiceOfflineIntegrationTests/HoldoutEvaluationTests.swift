import Foundation
import SluiceCore
import SluiceModel
import SluiceOffline
import SluiceParquet
import SluiceTesting
import SluiceTraining
import Testing

/// Continuous training's evaluation: candidate and champion on the same time-split holdout,
/// against xgboost's predictions and scikit-learn's metrics on the same rows.
@Suite("Holdout evaluation against xgboost and scikit-learn", .timeLimit(.minutes(3)))
struct HoldoutEvaluationTests {
    static let features = ["card__amount_sum_24h", "card__txn_count_1h", "merchant__txn_count_1h"]
    static let day: Int64 = 86_400_000

    /// 4,000 rows over 30 days; fraud depends on the features; some nulls, some rows unlabeled or
    /// expired (left out of the holdout).
    static func writeTrainingSet(_ path: String) throws {
        let writer = try ParquetWriter(
            path: path,
            schema: [
                ParquetField("event_id", .string, optional: false), ParquetField("event_time", .timestampMillis),
            ] + features.map { ParquetField($0, .double) } + [
                ParquetField("label", .int32), ParquetField("label_status", .string, optional: false),
            ])
        var random = SystemRandomNumberGenerator()
        for row in 0..<4_000 {
            try writer.append("e-\(row)")
            try writer.append(Int64(1_790_000_000_000) + Int64(row) * 30 * day / 4_000)
            var risk = 0.0
            for (index, _) in features.enumerated() {
                let value = Double.random(in: 0...100, using: &random)
                risk += value * Double(index + 1)
                try writer.append(row % 17 == index ? nil : value)
            }
            let fraud = risk + Double.random(in: 0...250, using: &random) > 520
            let status = row % 23 == 0 ? "unlabeled" : row % 29 == 0 ? "expired" : "labeled"
            try writer.append(status == "labeled" ? Int32(fraud ? 1 : 0) : nil)
            try writer.append(status)
            try writer.endRow()
        }
        _ = try writer.close()
    }

    struct Reference: Decodable {
        struct Figures: Decodable {
            var prAUC: Double
            var rocAUC: Double
            var recallAt1PercentFPR: Double

            enum CodingKeys: String, CodingKey {
                case prAUC = "pr_auc"
                case rocAUC = "roc_auc"
                case recallAt1PercentFPR = "recall_at_1pct_fpr"
            }
        }
        struct Facts: Decodable {
            var rows: Int
            var labeled: Int
            var positives: Int
            var nullShares: [String: Double]

            enum CodingKeys: String, CodingKey {
                case rows, labeled, positives
                case nullShares = "null_shares"
            }
        }
        var rows: Int
        var positives: Int
        var models: [Figures]
        var facts: Facts
    }

    @Test("the figures of both models on the newest 5 days equal xgboost + scikit-learn's, and the gate judges them")
    func againstReference() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("holdout"))
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let set = folder + "/set.parquet"
        try Self.writeTrainingSet(set)
        var models: [HoldoutEvaluation.Model] = []
        for (name, trees) in [("candidate", "30"), ("champion", "2")] {
            let path = folder + "/\(name).json"
            _ = try await PythonTools.run(
                "train_xgboost.py",
                [
                    "--out", path, "--features", Self.features.joined(separator: ","), "--training-set", set, "--trees",
                    trees, "--depth", "3",
                ])
            let model = try XGBoostModel.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
            models.append(HoldoutEvaluation.Model(scorer: XGBoostScorer(model), signature: model.featureNames))
        }
        let rules = [
            TrainingPolicy.GateRule(metric: .prAUC, minimum: 0.1, maximumDrop: 0.01),
            TrainingPolicy.GateRule(metric: .recallAt1PercentFPR, minimum: nil, maximumDrop: 0.02),
        ]
        let result = try HoldoutEvaluation.run(
            trainingSet: set, holdout: 5 * Self.day, candidate: models[0], champion: models[1], rules: rules)
        let reference = try await PythonTools.runJSON(
            "holdout_reference.py", [set, String(5 * Self.day), folder + "/candidate.json", folder + "/champion.json"],
            as: Reference.self)
        #expect(result.rows == reference.rows && result.candidate.positives == reference.positives)
        #expect(result.rows > 500 && result.candidate.positives > 20, "\(result.rows) rows")
        // What validation reads of the whole set, as pandas counts it.
        let facts = try TrainingSetFactsReader.read(path: set)
        #expect(facts.rows == reference.facts.rows && facts.labeled == reference.facts.labeled)
        #expect(facts.positives == reference.facts.positives)
        #expect(Set(facts.nullShares.keys) == Set(reference.facts.nullShares.keys))
        for (column, share) in reference.facts.nullShares {
            #expect(abs((facts.nullShares[column] ?? -1) - share) < 1e-12, "\(column)")
        }
        for (ours, theirs) in zip([result.candidate, try #require(result.champion)], reference.models) {
            #expect(abs((ours.prAUC ?? -1) - theirs.prAUC) < 1e-5, "\(ours) vs \(theirs)")
            #expect(abs((ours.rocAUC ?? -1) - theirs.rocAUC) < 1e-5, "\(ours) vs \(theirs)")
            #expect(abs((ours.recallAt1PercentFPR ?? -1) - theirs.recallAt1PercentFPR) < 1e-5, "\(ours) vs \(theirs)")
        }
        // The verdict judged these holdout figures, one check per rule, candidate against champion.
        #expect(result.verdict.checks.map(\.rule) == rules)
        #expect(
            result.verdict.checks.map(\.candidate) == [result.candidate.prAUC, result.candidate.recallAt1PercentFPR])
        #expect(
            result.verdict.checks.map(\.champion) == [result.champion?.prAUC, result.champion?.recallAt1PercentFPR])

        // Swapped, the weaker model is the candidate: a champion better by more than the allowed
        // drop fails the gate.
        let swapped = try HoldoutEvaluation.run(
            trainingSet: set, holdout: 5 * Self.day, candidate: models[1], champion: models[0], rules: rules)
        if let weak = swapped.candidate.prAUC, let strong = swapped.champion?.prAUC, weak < strong - 0.01 {
            #expect(!swapped.verdict.passed, "\(swapped.verdict.summary)")
        }

        // A file that is not a training set is refused by name.
        let plain = folder + "/plain.parquet"
        let writer = try ParquetWriter(path: plain, schema: [ParquetField("x", .double)])
        try writer.append(1.0)
        try writer.endRow()
        _ = try writer.close()
        let error = #expect(throws: OfflineError.self) {
            try HoldoutEvaluation.run(
                trainingSet: plain, holdout: Self.day, candidate: models[0], champion: nil, rules: rules)
        }
        #expect(error?.message.contains("is not a training set") == true, "\(error?.message ?? "")")

        // The same step by hand: sluice ct evaluate passes (exit 0) or fails (exit 1) by the policy's gate.
        let sluice = try TestProcess.sluiceExecutable()
        for (floor, status) in [("0.1", Int32(0)), ("0.99", Int32(1))] {
            let policy = folder + "/policy-\(floor).yaml"
            try
                "model: fraud\ntriggers: {new_labels: {min: 10}}\ntraining: {holdout: 5d}\ngate: {pr_auc: {min: \(floor)}}\n"
                .write(toFile: policy, atomically: true, encoding: .utf8)
            let run = try await TestProcess.run(
                sluice,
                [
                    "ct", "evaluate", "--policy", policy, "--training-set", set, "--candidate",
                    folder + "/candidate.json", "--registry", folder + "/no-registry.sqlite",
                ])
            #expect(run.status == status, "\(run.output)")
            #expect(run.output.contains("holdout: \(result.rows) labeled rows"), "\(run.output)")
            #expect(
                run.output.contains(status == 0 ? "the candidate passes the gate" : "FAIL  pr_auc"), "\(run.output)")
        }
        // The validation step by hand: sluice ct validate names each check, exit 1 on a failure.
        for (minimum, status) in [("1000", Int32(0)), ("10000", Int32(1))] {
            let policy = folder + "/validation-\(minimum).yaml"
            try
                "model: fraud\ntriggers: {new_labels: {min: 10}}\nvalidation: {min_rows: \(minimum), min_positives: 20}\n"
                .write(toFile: policy, atomically: true, encoding: .utf8)
            let run = try await TestProcess.run(
                sluice,
                [
                    "ct", "validate", "--policy", policy, "--training-set", set, "--reference", set, "--columns",
                    Self.features.joined(separator: ","), "--registry", folder + "/no-registry.sqlite",
                ])
            #expect(run.status == status, "\(run.output)")
            #expect(run.output.contains("pass  columns: all 3 columns the champion reads are there"), "\(run.output)")
            #expect(run.output.contains("pass  label rate:") && run.output.contains("pass  nulls:"), "\(run.output)")
            #expect(
                run.output.contains(status == 0 ? "passed 5 checks" : "FAIL  rows: 4000 rows (at least 10000 needed)"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/no-registry.sqlite"), "no registry is created")
    }
}
