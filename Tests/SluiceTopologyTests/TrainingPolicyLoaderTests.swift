import SluiceTesting
import SluiceTopology
import SluiceTraining
import Testing

@Suite("Continuous-training policy files")
struct TrainingPolicyLoaderTests {
    @Test("models/fraud.yaml reads as written")
    func example() throws {
        let policy = try TrainingPolicyLoader.load(file: TestRepository.path("models/fraud.yaml"))
        let day: Int64 = 86_400_000
        #expect(policy.model == "fraud")
        #expect(policy.training.window == 30 * day && policy.training.labelMaturity == 14 * day)
        #expect(policy.training.holdout == 5 * day && policy.training.timeLimit == 30 * 60_000)
        #expect(policy.training.command == ["scripts/train"])
        #expect(policy.triggers.dataDrift == TrainingPolicy.DataDrift(columns: 3, windows: 2))
        #expect(policy.triggers.decay == TrainingPolicy.Decay(metric: .prAUC, margin: 0.05, minimumLabeled: 5_000))
        #expect(policy.triggers.every == 7 * day && policy.triggers.newLabels == 20_000)
        #expect(policy.cooldown == day && policy.approval == .automatic)
        #expect(policy.validation.minimumRows == 50_000 && policy.validation.minimumPositives == 200)
        #expect(
            policy.gate == [
                TrainingPolicy.GateRule(metric: .prAUC, minimum: 0.3, maximumDrop: 0.01),
                TrainingPolicy.GateRule(metric: .recallAt1PercentFPR, minimum: nil, maximumDrop: 0.02),
            ])
        #expect(policy.rollout.shadow == 3_600_000)
        #expect(policy.rollout.canary.map(\.percent) == [5, 25, 50])
        #expect(policy.rollout.guards.latencyP99Milliseconds == 5 && policy.rollout.guards.scorePSI == 0.2)
    }

    static let mistakeCases: [(String, String)] = [
        ("training: {}", "p.yaml:1:1: the policy needs a model (the registered model it retrains)"),
        (
            "model: fraud",
            "p.yaml:1:1: the policy has no trigger: give triggers (data_drift, decay, schedule or new_labels)"
        ),
        (
            "model: fraud\ntriggers: {schedule: {every: 7days}}",
            "p.yaml:2:30: triggers.schedule.every '7days' is not a positive duration; write a whole number with ms, s, m, h or d (e.g. 500ms, 1s, 2m, 24h)"
        ),
        (
            "model: fraud\ntriggers: {data_drift: {columns: 3}}",
            "p.yaml:2:24: triggers.data_drift needs columns (how many drifted) and windows (in how many in a row)"
        ),
        (
            "model: fraud\ntriggers: {decay: {metric: f1, margin: 0.1, min_labeled: 10}}",
            "p.yaml:2:28: triggers.decay.metric 'f1' is not a metric; use pr_auc, roc_auc, recall_at_1pct_fpr"
        ),
        (
            "model: fraud\ntriggers: {new_labels: {min: 10}}\ngate: {pr_auc: {}}",
            "p.yaml:3:16: gate.pr_auc needs min (a floor) or max_drop (against the champion), or both"
        ),
        (
            "model: fraud\ntriggers: {new_labels: {min: 10}}\napproval: sometimes",
            "p.yaml:3:11: approval 'sometimes' is not automatic or manual"
        ),
        (
            "model: fraud\ntriggers: {new_labels: {min: 10}}\nrollout: {canary: [{percent: 25, hold: 1h}, {percent: 5, hold: 1h}]}",
            "p.yaml:3:45: rollout.canary[1]: the canary's percent must grow step by step (25, then 5)"
        ),
        (
            "model: fraud\ntriggers: {new_labels: {min: 10}}\ntraining: {window: 5d, holdout: 5d}",
            "p.yaml:1:1: training.holdout must be shorter than training.window"
        ),
        (
            "model: fraud\ntriggers: {new_labels: {min: 10}}\nvalidation: {label_rate_tolerance: -2}",
            "p.yaml:3:36: validation.label_rate_tolerance must be positive, not -2.0"
        ),
        (
            "model: fraud\ntrigers: {}",
            "p.yaml:2:1: unknown key 'trigers' in the policy; allowed: model, training, triggers, cooldown, validation, gate, approval, rollout"
        ),
    ]

    @Test("mistakes are reported with file:line:column, what is wrong and what is allowed", arguments: mistakeCases)
    func mistakes(text: String, expected: String) {
        do {
            _ = try TrainingPolicyLoader.parse(text, file: "p.yaml")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.issues.map(\.description).contains(expected), "\(error.issues.map(\.description))")
        }
    }
}
