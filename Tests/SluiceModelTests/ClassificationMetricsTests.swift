import Foundation
import SluiceCore
import SluiceModel
import SluiceTesting
import Testing

/// The experiment report's statistics against scikit-learn, scipy and numpy on the same data.
@Suite("Classification metrics and intervals")
struct ClassificationMetricsTests {
    struct Reference: Decodable {
        var rocAUC: Double?
        var deLongVariance: Double?
        var averagePrecision: Double?
        var precision: Double?
        var recall: Double?
        var recallAt1PercentFPR: Double?
        var brier: Double?
        var latencyP99: Double?
        var fraudRateInterval: [Double]?
        var precisionInterval: [Double]?
        var recallInterval: [Double]?
    }

    static func reference(scores: [Double], labels: [Bool], threshold: Double, latencies: [Double]) async throws
        -> Reference
    {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("metrics"))
            .path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let json = try JSONSerialization.data(withJSONObject: [
            "scores": scores, "labels": labels.map { $0 ? 1 : 0 }, "threshold": threshold, "latencies": latencies,
        ])
        try json.write(to: URL(fileURLWithPath: file))
        return try await PythonTools.runJSON("classification_reference.py", ["arrays", file], as: Reference.self)
    }

    static func close(_ a: Double?, _ b: Double?, _ tolerance: Double = 1e-12) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    static func close(_ interval: ConfidenceInterval?, _ reference: [Double]?) -> Bool {
        guard let interval, let reference else { return interval == nil && reference == nil }
        return close(interval.lower, reference[0], 1e-9) && close(interval.upper, reference[1], 1e-9)
    }

    @Test("ROC-AUC, DeLong variance, PR-AUC, precision, recall, recall at 1% FPR, Wilson, p99 equal the references")
    func againstReferences() async throws {
        var random = SeededRandom(seed: TestSeed.draw(for: "classification-metrics"))
        for (round, count) in [40, 700, 3_000, 6_000].enumerated() {
            let fraudRate = [0.3, 0.05, 0.01, 0.005][round]
            var labels: [Bool] = []
            var scores: [Double] = []
            var latencies: [Double] = []
            for _ in 0..<count {
                let fraud = random.unit() < fraudRate
                labels.append(fraud)
                let score = min(1, max(0, random.unit() * 0.7 + (fraud ? 0.35 : 0)))
                // Half the rounds have coarse scores: many ties, as a small model's leaves give.
                scores.append(round % 2 == 0 ? (score * 40).rounded() / 40 : score)
                latencies.append(200 + 3_000 * random.unit() * random.unit())
            }
            let threshold = 0.6
            let expected = try await Self.reference(
                scores: scores, labels: labels, threshold: threshold, latencies: latencies)
            let auc = RankMetrics.auc(scores: scores, labels: labels)
            let curve = ScoreCurve(scores: scores, labels: labels)
            let confusion = curve.confusion(threshold: threshold)
            let context = "\(count) rows, \(curve.positives) positives"
            #expect(Self.close(auc?.value, expected.rocAUC), "\(context): AUC \(String(describing: auc))")
            #expect(Self.close(auc?.variance, expected.deLongVariance, 1e-9), "\(context): DeLong")
            #expect(Self.close(curve.averagePrecision, expected.averagePrecision), "\(context): AP")
            #expect(Self.close(confusion.precision, expected.precision), "\(context): precision")
            #expect(Self.close(confusion.recall, expected.recall), "\(context): recall")
            #expect(
                Self.close(curve.recall(atFalsePositiveRate: 0.01), expected.recallAt1PercentFPR),
                "\(context): recall at 1% FPR")
            let brier = zip(scores, labels).reduce(0) { $0 + pow($1.0 - ($1.1 ? 1 : 0), 2) } / Double(count)
            #expect(Self.close(brier, expected.brier, 1e-12))
            #expect(
                Self.close(
                    ConfidenceInterval.wilson(successes: curve.positives, trials: count), expected.fraudRateInterval))
            #expect(
                Self.close(
                    ConfidenceInterval.wilson(
                        successes: confusion.truePositives,
                        trials: confusion.truePositives + confusion.falsePositives), expected.precisionInterval))
            #expect(
                Self.close(
                    ConfidenceInterval.wilson(successes: confusion.truePositives, trials: curve.positives),
                    expected.recallInterval))
            #expect(Self.close(Quantiles.linear(sorted: latencies.sorted(), q: 0.99), expected.latencyP99, 1e-12))
        }
    }

    @Test("the quantile interval covers the true p99 about 95% of the time")
    func quantileCoverage() {
        var random = SeededRandom(seed: TestSeed.draw(for: "quantile-coverage"))
        // Exponential latencies with mean 1: the true p99 is ln(100).
        let truth = log(100.0)
        var covered = 0
        for _ in 0..<400 {
            let sample = (0..<2_000).map { _ in -log(max(random.unit(), 1e-300)) }.sorted()
            let interval = ConfidenceInterval.quantile(sorted: sample, q: 0.99)!
            if interval.lower <= truth && truth <= interval.upper { covered += 1 }
        }
        #expect((360...396).contains(covered), "covered \(covered) of 400")
    }

    @Test("edge cases: one class, nothing flagged, perfect and constant scores")
    func edges() {
        #expect(ScoreCurve(scores: [0.1, 0.2], labels: [false, false]).averagePrecision == nil)
        #expect(ScoreCurve(scores: [0.1, 0.9], labels: [false, true]).averagePrecision == 1)
        #expect(ScoreCurve(scores: [0.1, 0.2], labels: [true, false]).confusion(threshold: 0.5).precision == nil)
        #expect(ScoreCurve(scores: [0.5, 0.5], labels: [true, false]).recall(atFalsePositiveRate: 0.01) == 0)
        #expect(RankMetrics.auc(scores: [0.1, 0.9], labels: [false, true])?.variance == nil)
        #expect(ConfidenceInterval.logit(estimate: 1, positives: 10) == nil)
        #expect(ConfidenceInterval.wilson(successes: 0, trials: 0) == nil)
        #expect(Quantiles.linear(sorted: [], q: 0.99) == nil)
    }
}
