import Foundation
import SluiceCore
import SluiceDrift
import Testing

@Suite("Concept windows: figures, edge cases and the record")
struct ConceptWindowMetricsTests {
    static func outcomes(_ pairs: [(Double, Bool)]) -> [ConceptOutcomes.Outcome] {
        pairs.enumerated().map { index, pair in
            ConceptOutcomes.Outcome(
                eventTime: Int64(index), order: UInt64(index), score: pair.0, fraud: pair.1, labeled: pair.1)
        }
    }

    @Test("no outcomes, no fraud, all fraud: the figures that exist, nil for the others, never NaN")
    func edgeCases() throws {
        var detector = DriftDetectionMethod()
        let empty = ConceptWindowMetrics.compute(
            [], threshold: 0.5, reference: nil, validation: [:], detector: &detector)
        #expect(empty.predictions == 0 && empty.rocAUC == nil && empty.brier == nil && empty.calibration.isEmpty)
        #expect(empty.detector?.errorRate == nil)

        let legitimate = Self.outcomes((0..<50).map { (Double($0) / 50, false) })
        let calm = ConceptWindowMetrics.compute(
            legitimate, threshold: 0.5, reference: nil, validation: ["roc_auc": 0.9], detector: &detector)
        #expect(calm.rocAUC == nil && calm.prAUC == nil && calm.recall == nil && calm.changes.isEmpty)
        #expect(calm.fraudRate == 0 && calm.brier != nil && calm.logLoss!.isFinite && calm.calibration.count == 10)
        // Scores of exactly 0 and 1 that are right, and wrong: log loss stays finite (clipped).
        let extreme = Self.outcomes([(0, false), (1, true), (1, false), (0, true)])
        let clipped = ConceptWindowMetrics.compute(
            extreme, threshold: 0.5, reference: nil, validation: [:], detector: &detector)
        #expect(clipped.logLoss!.isFinite && abs(clipped.logLoss! - (-log(Double.ulpOfOne) / 2)) < 1e-9)
        #expect(clipped.rocAUC == 0.5 && clipped.brier == 0.5)

        let json = String(decoding: try JSONEncoder().encode(calm), as: UTF8.self)
        #expect(!json.contains("nan") && !json.contains("inf"))
    }

    @Test("live figures next to the version's validation metrics; P(Y|X) flagged only when the scores did not move")
    func validationAndConditionalShift() {
        var random = SeededRandom(seed: 3)
        let referenceScores = (0..<5_000).map { _ in random.unit() }
        let referenceLabels = referenceScores.map { random.unit() < $0 * 0.2 }
        let reference = ConceptReference(
            scores: referenceScores, labels: referenceLabels, validation: [1: ["roc_auc": 0.8, "brier": 0.01]])
        var steady: [(Double, Bool)] = []
        var ring: [(Double, Bool)] = []
        var moved: [(Double, Bool)] = []
        for _ in 0..<5_000 {
            let score = random.unit()
            steady.append((score, random.unit() < score * 0.2))
            ring.append((score, random.unit() < score * 0.2 + (score < 0.3 ? 0.15 : 0)))
            let higher = min(1, score * score * 0.5)  // scores that moved down, and fraud with them
            moved.append((higher, random.unit() < score * 0.2 + (score < 0.3 ? 0.15 : 0)))
        }
        var detector = DriftDetectionMethod()
        let calm = ConceptWindowMetrics.compute(
            Self.outcomes(steady), threshold: 0.5, reference: reference.deciles,
            validation: reference.validation[1]!, detector: &detector)
        #expect(!calm.conditionalShift && calm.shifts.isEmpty && calm.scorePSI! < 0.05)
        #expect(abs(calm.changes["roc_auc"]! - (calm.rocAUC! - 0.8)) < 1e-12)
        #expect(abs(calm.changes["brier"]! - (calm.brier! - 0.01)) < 1e-12 && calm.changes.count == 2)
        let shifted = ConceptWindowMetrics.compute(
            Self.outcomes(ring), threshold: 0.5, reference: reference.deciles, validation: [:], detector: &detector)
        #expect(shifted.conditionalShift && shifted.shifts.map(\.decile) == [0, 1, 2])
        let withInputs = ConceptWindowMetrics.compute(
            Self.outcomes(moved), threshold: 0.5, reference: reference.deciles, validation: [:], detector: &detector)
        #expect(!withInputs.shifts.isEmpty && withInputs.scorePSI! >= 0.2 && !withInputs.conditionalShift)
    }

    @Test("the record's JSON: kind concept, its key and the drifted flag; a column record is not read as one")
    func record() throws {
        var detector = DriftDetectionMethod()
        let metrics = ConceptWindowMetrics.compute(
            Self.outcomes([(0.9, true), (0.1, false)]), threshold: 0.5, reference: nil, validation: [:],
            detector: &detector)
        let record = ConceptWindowRecord(
            monitor: "ab", model: "fraud", variant: "canary", version: 4, served: true, windowStart: 3_600_000,
            windowEnd: 7_200_000, closedAt: 9, labelDelayMax: 86_400_000, metrics: metrics)
        #expect(record.key == "3600000:concept:fraud:canary:4" && record.label == "canary v4")
        let data = try JSONEncoder().encode(record)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["kind"] as? String == "concept" && object?["drifted"] as? Bool == false)
        #expect(try JSONDecoder().decode(ConceptWindowRecord.self, from: data) == record)
        let column = Data(#"{"kind":"column","monitor":"ab"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ConceptWindowRecord.self, from: column) }
    }
}
