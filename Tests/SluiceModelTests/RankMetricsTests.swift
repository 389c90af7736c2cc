import Foundation
import SluiceCore
import SluiceModel
import SluiceTesting
import Testing

@Suite("Rank metrics")
struct RankMetricsTests {
    @Test("ROC-AUC equals scipy's Mann-Whitney U / (n1 n0), ties included")
    func rocAUCAgainstScipy() async throws {
        var random = SeededRandom(seed: TestSeed.draw(for: "roc-auc"))
        for round in 0..<4 {
            let count = [50, 1_000, 5_000, 20_000][round]
            // Coarse scores make many ties; positives score higher on average.
            var labels: [Bool] = []
            var scores: [Double] = []
            for _ in 0..<count {
                let positive = random.unit() < 0.1
                labels.append(positive)
                let base = random.unit() + (positive ? 0.3 : 0)
                scores.append(round % 2 == 0 ? (base * 20).rounded() / 20 : base)
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("auc"))
                .path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let json = try JSONSerialization.data(withJSONObject: [
                "scores": scores, "labels": labels.map { $0 ? 1 : 0 },
            ])
            try json.write(to: URL(fileURLWithPath: file))
            struct Reference: Decodable { var auc: Double }
            let expected = try await PythonTools.runJSON("roc_auc.py", [file], as: Reference.self).auc
            let auc = try #require(RankMetrics.rocAUC(scores: scores, labels: labels))
            #expect(abs(auc - expected) <= 1e-12, "\(count) rows: \(auc) vs scipy \(expected)")
        }
    }

    @Test("ROC-AUC needs both classes")
    func needsBothClasses() {
        #expect(RankMetrics.rocAUC(scores: [0.1, 0.2], labels: [true, true]) == nil)
        #expect(RankMetrics.rocAUC(scores: [], labels: []) == nil)
        #expect(RankMetrics.rocAUC(scores: [0.1, 0.9], labels: [false, true]) == 1)
        #expect(RankMetrics.rocAUC(scores: [0.5, 0.5], labels: [false, true]) == 0.5)
    }
}
