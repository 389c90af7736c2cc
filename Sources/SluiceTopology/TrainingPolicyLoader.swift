import SluiceTraining
import Yams

/// Reads continuous-training policies (`models/<name>.yaml`, docs/continuous-training.md),
/// reporting every mistake with its file, line and column like topology files.
public enum TrainingPolicyLoader {
    public static func load(file path: String) throws(TopologyError) -> TrainingPolicy {
        try parse(try YAMLReader.text(ofFile: path), file: path)
    }

    public static func parse(_ text: String, file: String = "<policy>") throws(TopologyError) -> TrainingPolicy {
        try YAMLReader.read(text, file: file) { reader, root in reader.trainingPolicy(root) }
    }
}

extension YAMLReader {
    mutating func trainingPolicy(_ root: Node) -> TrainingPolicy {
        let allowed = ["model", "training", "triggers", "cooldown", "validation", "gate", "approval", "rollout"]
        let fields = entries(root, "the policy", allowed: allowed)
        var policy = TrainingPolicy(model: "")
        guard let modelNode = fields.first(where: { $0.key == "model" })?.value else {
            fail(root, "the policy needs a model (the registered model it retrains)")
            return policy
        }
        policy.model = string(modelNode, "model") ?? ""
        for (key, _, value) in fields {
            switch key {
            case "training": policy.training = training(value, default: policy.training)
            case "triggers": policy.triggers = triggers(value)
            case "cooldown": policy.cooldown = duration(value, "cooldown") ?? policy.cooldown
            case "validation": policy.validation = validation(value, default: policy.validation)
            case "gate": policy.gate = gate(value)
            case "approval":
                guard let text = string(value, "approval") else { break }
                if let approval = TrainingPolicy.Approval(rawValue: text) {
                    policy.approval = approval
                } else {
                    fail(value, "approval '\(text)' is not automatic or manual")
                }
            case "rollout": policy.rollout = rollout(value, default: policy.rollout)
            default: break
            }
        }
        if policy.triggers == TrainingPolicy.Triggers() {
            fail(root, "the policy has no trigger: give triggers (data_drift, decay, schedule or new_labels)")
        }
        if policy.training.holdout >= policy.training.window {
            fail(root, "training.holdout must be shorter than training.window")
        }
        return policy
    }

    private mutating func training(_ node: Node, default value: TrainingPolicy.Training) -> TrainingPolicy.Training {
        var training = value
        let allowed = ["window", "label_maturity", "holdout", "command", "time_limit"]
        for (key, _, field) in entries(node, "training", allowed: allowed) {
            switch key {
            case "window": training.window = duration(field, "training.window") ?? training.window
            case "label_maturity":
                training.labelMaturity =
                    duration(field, "training.label_maturity", positive: false) ?? training.labelMaturity
            case "holdout": training.holdout = duration(field, "training.holdout") ?? training.holdout
            case "time_limit": training.timeLimit = duration(field, "training.time_limit") ?? training.timeLimit
            default:
                guard case .sequence(let items) = field, !items.isEmpty else {
                    fail(field, "training.command must be a list of words, e.g. [scripts/train, --rounds, '200']")
                    break
                }
                let words = items.compactMap { string($0, "a word of training.command") }
                if words.count == items.count { training.command = words }
            }
        }
        return training
    }

    private mutating func triggers(_ node: Node) -> TrainingPolicy.Triggers {
        var triggers = TrainingPolicy.Triggers()
        for (key, _, field) in entries(node, "triggers", allowed: ["data_drift", "decay", "schedule", "new_labels"]) {
            let what = "triggers.\(key)"
            switch key {
            case "data_drift":
                var columns: Int?
                var windows: Int?
                for (name, _, value) in entries(field, what, allowed: ["columns", "windows"]) {
                    if name == "columns" { columns = integer(value, "\(what).columns", range: 1...10_000) }
                    if name == "windows" { windows = integer(value, "\(what).windows", range: 1...1_000) }
                }
                guard let columns, let windows else {
                    fail(field, "\(what) needs columns (how many drifted) and windows (in how many in a row)")
                    break
                }
                triggers.dataDrift = TrainingPolicy.DataDrift(columns: columns, windows: windows)
            case "decay":
                var metric: QualityMetric?
                var margin: Double?
                var minimum: Int?
                for (name, _, value) in entries(field, what, allowed: ["metric", "margin", "min_labeled"]) {
                    switch name {
                    case "metric": metric = qualityMetric(value, "\(what).metric")
                    case "margin":
                        margin = number(value, "\(what).margin")
                        if let given = margin, !(given >= 0 && given < 1) {
                            fail(value, "\(what).margin must lie in [0, 1), not \(given)")
                        }
                    default: minimum = integer(value, "\(what).min_labeled", range: 1...Int(Int32.max))
                    }
                }
                guard let metric, let margin, let minimum else {
                    fail(field, "\(what) needs metric, margin and min_labeled")
                    break
                }
                triggers.decay = TrainingPolicy.Decay(metric: metric, margin: margin, minimumLabeled: minimum)
            case "schedule":
                for (_, _, value) in entries(field, what, allowed: ["every"]) {
                    triggers.every = duration(value, "\(what).every")
                }
            default:
                for (_, _, value) in entries(field, what, allowed: ["min"]) {
                    triggers.newLabels = integer(value, "\(what).min", range: 1...Int(Int32.max))
                }
            }
        }
        return triggers
    }

    private mutating func validation(_ node: Node, default value: TrainingPolicy.Validation)
        -> TrainingPolicy.Validation
    {
        var validation = value
        let allowed = ["min_rows", "min_positives", "label_rate_tolerance", "null_share_increase"]
        for (key, _, field) in entries(node, "validation", allowed: allowed) {
            let what = "validation.\(key)"
            switch key {
            case "min_rows":
                validation.minimumRows = integer(field, what, range: 1...Int(Int32.max)) ?? validation.minimumRows
            case "min_positives":
                validation.minimumPositives =
                    integer(field, what, range: 1...Int(Int32.max)) ?? validation.minimumPositives
            case "label_rate_tolerance":
                validation.labelRateTolerance = positive(field, what) ?? validation.labelRateTolerance
            default: validation.nullShareIncrease = fraction(field, what) ?? validation.nullShareIncrease
            }
        }
        return validation
    }

    private mutating func gate(_ node: Node) -> [TrainingPolicy.GateRule] {
        var rules: [TrainingPolicy.GateRule] = []
        for (key, keyNode, field) in entries(node, "gate") {
            guard let metric = qualityMetric(keyNode, "gate's metric") else { continue }
            var rule = TrainingPolicy.GateRule(metric: metric, minimum: nil, maximumDrop: nil)
            for (name, _, value) in entries(field, "gate.\(key)", allowed: ["min", "max_drop"]) {
                if name == "min" { rule.minimum = fraction(value, "gate.\(key).min") }
                if name == "max_drop" { rule.maximumDrop = fraction(value, "gate.\(key).max_drop") }
            }
            if rule.minimum == nil && rule.maximumDrop == nil {
                fail(field, "gate.\(key) needs min (a floor) or max_drop (against the champion), or both")
            }
            rules.append(rule)
        }
        if rules.isEmpty { fail(node, "the gate needs at least one metric") }
        return rules
    }

    private mutating func rollout(_ node: Node, default value: TrainingPolicy.Rollout) -> TrainingPolicy.Rollout {
        var rollout = value
        for (key, _, field) in entries(node, "rollout", allowed: ["shadow", "canary", "guards"]) {
            switch key {
            case "shadow": rollout.shadow = duration(field, "rollout.shadow") ?? rollout.shadow
            case "canary":
                guard case .sequence(let items) = field, !items.isEmpty else {
                    fail(field, "rollout.canary must be a list of steps, e.g. [{percent: 5, hold: 30m}]")
                    break
                }
                var steps: [TrainingPolicy.CanaryStep] = []
                for (index, item) in items.enumerated() {
                    let what = "rollout.canary[\(index)]"
                    var percent: Int?
                    var hold: Int64?
                    for (name, _, value) in entries(item, what, allowed: ["percent", "hold"]) {
                        if name == "percent" { percent = integer(value, "\(what).percent", range: 1...99) }
                        if name == "hold" { hold = duration(value, "\(what).hold") }
                    }
                    guard let percent, let hold else {
                        fail(item, "\(what) needs percent (1 to 99) and hold (a duration)")
                        continue
                    }
                    if let previous = steps.last, percent <= previous.percent {
                        fail(
                            item,
                            "\(what): the canary's percent must grow step by step (\(previous.percent), then \(percent))"
                        )
                    }
                    steps.append(TrainingPolicy.CanaryStep(percent: percent, hold: hold))
                }
                rollout.canary = steps
            default:
                let allowed = [
                    "latency_p99_ms", "error_rate", "score_psi", "recall_drop", "min_scores", "min_fraud",
                ]
                for (name, _, value) in entries(field, "rollout.guards", allowed: allowed) {
                    let what = "rollout.guards.\(name)"
                    switch name {
                    case "latency_p99_ms":
                        rollout.guards.latencyP99Milliseconds =
                            positive(value, what) ?? rollout.guards.latencyP99Milliseconds
                    case "error_rate": rollout.guards.errorRate = fraction(value, what) ?? rollout.guards.errorRate
                    case "score_psi": rollout.guards.scorePSI = positive(value, what) ?? rollout.guards.scorePSI
                    case "min_scores":
                        rollout.guards.minimumScores =
                            integer(value, what, range: 1...100_000_000) ?? rollout.guards.minimumScores
                    case "min_fraud":
                        rollout.guards.minimumFraud =
                            integer(value, what, range: 1...100_000_000) ?? rollout.guards.minimumFraud
                    default: rollout.guards.recallDrop = fraction(value, what) ?? rollout.guards.recallDrop
                    }
                }
            }
        }
        return rollout
    }

    private mutating func qualityMetric(_ node: Node, _ what: String) -> QualityMetric? {
        guard let text = string(node, what) else { return nil }
        guard let metric = QualityMetric(rawValue: text) else {
            fail(
                node,
                "\(what) '\(text)' is not a metric; use \(QualityMetric.allCases.map(\.rawValue).joined(separator: ", "))"
            )
            return nil
        }
        return metric
    }

    /// A number above 0.
    private mutating func positive(_ node: Node, _ what: String) -> Double? {
        guard let value = number(node, what) else { return nil }
        guard value > 0 else {
            fail(node, "\(what) must be positive, not \(value)")
            return nil
        }
        return value
    }

    /// A number in [0, 1].
    private mutating func fraction(_ node: Node, _ what: String) -> Double? {
        guard let value = number(node, what) else { return nil }
        guard value >= 0 && value <= 1 else {
            fail(node, "\(what) must lie between 0 and 1, not \(value)")
            return nil
        }
        return value
    }
}
