import SluiceTraining
import Testing

@Suite("Continuous training: triggers and the evaluation gate")
struct TrainingDecisionTests {
    static let day: Int64 = 86_400_000

    static func policy() -> TrainingPolicy {
        var policy = TrainingPolicy(model: "fraud")
        policy.triggers.dataDrift = TrainingPolicy.DataDrift(columns: 2, windows: 2)
        policy.triggers.decay = TrainingPolicy.Decay(metric: .prAUC, margin: 0.05, minimumLabeled: 1_000)
        policy.triggers.every = 7 * day
        policy.triggers.newLabels = 5_000
        policy.cooldown = day
        return policy
    }

    static func quality(_ prAUC: Double?, labeled: Int = 2_000, recall: Double? = 0.6) -> ModelQuality {
        ModelQuality(labeled: labeled, positives: 40, prAUC: prAUC, rocAUC: 0.9, recallAt1PercentFPR: recall)
    }

    @Test("data drift fires on k columns in m windows in a row, not on a broken run")
    func dataDrift() {
        var inputs = RetrainTrigger.Inputs(now: 10 * Self.day, lastRunStarted: 9 * Self.day)
        inputs.driftWindows = [
            .init(end: 1, driftedColumns: ["amount", "mcc"]), .init(end: 2, driftedColumns: ["amount"]),
            .init(end: 3, driftedColumns: ["amount", "mcc", "hour"]),
        ]
        var policy = Self.policy()
        policy.cooldown = 0
        #expect(RetrainTrigger.evaluate(policy, inputs).reasons.isEmpty)
        inputs.driftWindows.append(.init(end: 4, driftedColumns: ["mcc", "country"]))
        let decision = RetrainTrigger.evaluate(policy, inputs)
        #expect(decision.shouldRun)
        #expect(decision.reasons == [.dataDrift(Array(inputs.driftWindows.suffix(2)))])
        #expect(decision.reasons[0].description.contains("amount, country, hour, mcc"))
        // The same column twice in a window counts once.
        inputs.driftWindows = [
            .init(end: 1, driftedColumns: ["amount", "amount"]), .init(end: 2, driftedColumns: ["amount", "amount"]),
        ]
        #expect(RetrainTrigger.evaluate(policy, inputs).reasons.isEmpty)
    }

    @Test("decay fires below the validation figure by more than the margin, with enough labels")
    func decay() {
        var policy = Self.policy()
        policy.cooldown = 0
        var inputs = RetrainTrigger.Inputs(now: 10 * Self.day, lastRunStarted: 9 * Self.day)
        inputs.championValidation = Self.quality(0.50)
        inputs.championLive = Self.quality(0.46)
        #expect(RetrainTrigger.evaluate(policy, inputs).reasons.isEmpty, "within the margin")
        inputs.championLive = Self.quality(0.44, labeled: 999)
        #expect(RetrainTrigger.evaluate(policy, inputs).reasons.isEmpty, "too few labels")
        inputs.championLive = Self.quality(0.44)
        #expect(
            RetrainTrigger.evaluate(policy, inputs).reasons == [
                .decay(metric: .prAUC, live: 0.44, validation: 0.50, labeled: 2_000)
            ])
        inputs.championLive = Self.quality(nil)
        #expect(RetrainTrigger.evaluate(policy, inputs).reasons.isEmpty, "an undefined figure is no evidence")
    }

    @Test("schedule, new labels and the cool-down")
    func scheduleLabelsCooldown() {
        let policy = Self.policy()
        var inputs = RetrainTrigger.Inputs(now: 20 * Self.day, lastRunStarted: nil)
        #expect(RetrainTrigger.evaluate(policy, inputs).reasons == [.schedule(lastRunStarted: nil)])
        inputs.lastRunStarted = 14 * Self.day
        #expect(RetrainTrigger.evaluate(policy, inputs).reasons.isEmpty)
        inputs.lastRunStarted = 13 * Self.day
        #expect(RetrainTrigger.evaluate(policy, inputs).shouldRun)

        inputs = RetrainTrigger.Inputs(now: 20 * Self.day, lastRunStarted: 20 * Self.day - Self.day / 2)
        inputs.labelsMatured = 5_000
        let decision = RetrainTrigger.evaluate(policy, inputs)
        #expect(decision.reasons == [.newLabels(5_000)])
        #expect(!decision.shouldRun && decision.coolingDownUntil == 20 * Self.day + Self.day / 2)
    }

    @Test("the gate: floors, drops against the champion, undefined figures, and no champion")
    func gate() {
        let rules = [
            TrainingPolicy.GateRule(metric: .prAUC, minimum: 0.3, maximumDrop: 0.01),
            TrainingPolicy.GateRule(metric: .recallAt1PercentFPR, minimum: nil, maximumDrop: 0.02),
        ]
        let champion = Self.quality(0.50, recall: 0.60)
        #expect(
            EvaluationGate.judge(candidate: Self.quality(0.495, recall: 0.59), champion: champion, rules: rules).passed)
        let dropped = EvaluationGate.judge(
            candidate: Self.quality(0.48, recall: 0.61), champion: champion, rules: rules)
        #expect(!dropped.passed && dropped.checks.map(\.passed) == [false, true])
        #expect(dropped.summary.contains("pr_auc 0.48 is 0.02 below the champion's 0.5"), "\(dropped.summary)")
        let floor = EvaluationGate.judge(candidate: Self.quality(0.25, recall: 0.7), champion: nil, rules: rules)
        #expect(floor.checks.map(\.passed) == [false, true], "\(floor.summary)")
        let undefined = EvaluationGate.judge(candidate: Self.quality(nil), champion: champion, rules: rules)
        #expect(!undefined.passed && undefined.summary.contains("undefined"))
    }

    @Test("quality figures as scikit-learn computes them on a small case with ties")
    func quality() {
        // sklearn: average_precision_score([1,0,1,0,0,1], [0.9,0.8,0.8,0.3,0.2,0.1]) = 0.7222222222222222,
        // roc_auc_score = 0.6111111111111112.
        let figures = ModelQuality(
            scores: [0.9, 0.8, 0.8, 0.3, 0.2, 0.1], labels: [true, false, true, false, false, true])
        #expect(figures.labeled == 6 && figures.positives == 3)
        #expect(abs((figures.prAUC ?? 0) - 0.7222222222222222) < 1e-12)
        #expect(abs((figures.rocAUC ?? 0) - 0.6111111111111112) < 1e-12)
    }
}
