import SluiceTraining
import Testing

@Suite("Continuous training: training set validation")
struct TrainingSetValidationTests {
    static let signature = ["card__amount_sum_24h", "card__txn_count_1h"]
    static let reference = TrainingSetValidation.Facts(
        rows: 100_000, labeled: 80_000, positives: 800,
        nullShares: ["card__amount_sum_24h": 0.01, "card__txn_count_1h": 0.0, "extra": 0.5])

    static func rules() -> TrainingPolicy.Validation {
        var rules = TrainingPolicy.Validation()
        rules.minimumRows = 50_000
        rules.minimumPositives = 200
        rules.labelRateTolerance = 0.5
        rules.nullShareIncrease = 0.1
        return rules
    }

    @Test("a set like the champion's passes every check")
    func passes() {
        let facts = TrainingSetValidation.Facts(
            rows: 90_000, labeled: 70_000, positives: 1_000,
            nullShares: ["card__amount_sum_24h": 0.05, "card__txn_count_1h": 0.0])
        let findings = TrainingSetValidation.validate(
            facts, signature: Self.signature, topologyColumns: Set(Self.signature), reference: Self.reference,
            rules: Self.rules())
        #expect(findings.allSatisfy { $0.passed }, "\(findings)")
        #expect(findings.map(\.check) == ["columns", "topology", "rows", "positives", "label rate", "nulls"])
        #expect(TrainingSetValidation.summary(findings) == "the training set passed 6 checks")
    }

    @Test("each failure is named with its figures")
    func failures() {
        let facts = TrainingSetValidation.Facts(
            rows: 10_000, labeled: 9_000, positives: 180, nullShares: ["card__amount_sum_24h": 0.2])
        let findings = TrainingSetValidation.validate(
            facts, signature: Self.signature, topologyColumns: ["card__amount_sum_24h"], reference: Self.reference,
            rules: Self.rules())
        let failed = Dictionary(uniqueKeysWithValues: findings.filter { !$0.passed }.map { ($0.check, $0.detail) })
        #expect(failed["columns"] == "the set lacks columns the champion reads: card__txn_count_1h")
        #expect(failed["topology"] == "the current topology no longer computes card__txn_count_1h")
        #expect(failed["rows"] == "10000 rows (at least 50000 needed)")
        #expect(failed["positives"] == "180 fraud labels (at least 200 needed)")
        // 2% against 1%: more than half of 1% apart.
        #expect(failed["label rate"] == "2.0% fraud against 1.0% in the champion's set (at most 0.5% apart)")
        #expect(failed["nulls"] == "card__amount_sum_24h 20.0% null, was 1.0%")
        #expect(TrainingSetValidation.summary(findings).hasPrefix("columns: the set lacks"))
    }

    @Test("without a reference or a topology, only what can be checked is")
    func withoutReference() {
        let facts = TrainingSetValidation.Facts(
            rows: 60_000, labeled: 0, positives: 0, nullShares: ["card__amount_sum_24h": 0, "card__txn_count_1h": 0])
        let findings = TrainingSetValidation.validate(
            facts, signature: Self.signature, topologyColumns: nil, reference: nil, rules: Self.rules())
        #expect(findings.map(\.check) == ["columns", "rows", "positives"])
        #expect(findings.map(\.passed) == [true, true, false])
    }
}
