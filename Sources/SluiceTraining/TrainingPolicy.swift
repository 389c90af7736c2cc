/// How one model is retrained on its own (docs/continuous-training.md): what triggers a run, the
/// data it trains on, the checks the data must pass, the gate a candidate must pass against the
/// champion, who approves, and how it reaches traffic. Durations are in milliseconds.
public struct TrainingPolicy: Sendable, Equatable {
    /// The registered model this policy retrains.
    public var model: String
    public var training = Training()
    public var triggers = Triggers()
    /// No run starts sooner than this after the previous one started. Default: 1 day.
    public var cooldown: Int64 = 86_400_000
    public var validation = Validation()
    public var gate: [GateRule] = [
        GateRule(metric: .prAUC, minimum: nil, maximumDrop: 0.01),
        GateRule(metric: .recallAt1PercentFPR, minimum: nil, maximumDrop: 0.02),
    ]
    public var approval: Approval = .manual
    public var rollout = Rollout()

    public init(model: String) { self.model = model }

    /// The data and the trainer.
    public struct Training: Sendable, Equatable {
        /// Events of this period before the run are the training set. Default: 30 days.
        public var window: Int64 = 30 * 86_400_000
        /// A label counts once it is this old (chargebacks arrive late). Default: 14 days.
        public var labelMaturity: Int64 = 14 * 86_400_000
        /// The newest part of the window, kept out of training to evaluate candidate and champion
        /// on the same rows. Default: 5 days.
        public var holdout: Int64 = 5 * 86_400_000
        /// The trainer's command line; the run appends `--train FILE --out DIR`. Default:
        /// scripts/train.
        public var command: [String] = ["scripts/train"]
        /// The trainer is stopped after this long. Default: 30 minutes.
        public var timeLimit: Int64 = 30 * 60_000

        public init() {}
    }

    /// What starts a run; any one suffices (each is off when nil).
    public struct Triggers: Sendable, Equatable {
        public var dataDrift: DataDrift?
        public var decay: Decay?
        /// A run at least this often.
        public var every: Int64?
        /// A run once this many labels matured since the last one.
        public var newLabels: Int?

        public init() {}
    }

    /// Data drift: at least `columns` monitored columns drifted in each of `windows` consecutive
    /// windows of the drift monitor.
    public struct DataDrift: Sendable, Equatable {
        public var columns: Int
        public var windows: Int

        public init(columns: Int, windows: Int) {
            self.columns = columns
            self.windows = windows
        }
    }

    /// Performance decay: the champion's `metric` on matured labels fell below its validation
    /// figure by more than `margin`, measured on at least `minimumLabeled` labeled predictions.
    public struct Decay: Sendable, Equatable {
        public var metric: QualityMetric
        public var margin: Double
        public var minimumLabeled: Int

        public init(metric: QualityMetric, margin: Double, minimumLabeled: Int) {
            self.metric = metric
            self.margin = margin
            self.minimumLabeled = minimumLabeled
        }
    }

    /// Checks of the training set before any training.
    public struct Validation: Sendable, Equatable {
        public var minimumRows = 10_000
        public var minimumPositives = 50
        /// The label rate may differ from the champion's training set by at most this fraction
        /// of it (0.5: between half and one and a half times; 2: up to three times). Default: 0.5.
        public var labelRateTolerance = 0.5
        /// A column's share of nulls may exceed the champion's training set's by at most this.
        /// Default: 0.1.
        public var nullShareIncrease = 0.1

        public init() {}
    }

    /// One check of the gate: the candidate's `metric` on the holdout must be at least `minimum`
    /// and at most `maximumDrop` below the champion's on the same rows (TFX Evaluator's value and
    /// change thresholds).
    public struct GateRule: Sendable, Equatable {
        public var metric: QualityMetric
        public var minimum: Double?
        public var maximumDrop: Double?

        public init(metric: QualityMetric, minimum: Double?, maximumDrop: Double?) {
            self.metric = metric
            self.minimum = minimum
            self.maximumDrop = maximumDrop
        }
    }

    public enum Approval: String, Sendable, Equatable, CaseIterable {
        /// A candidate that passes the gate is approved by the run.
        case automatic
        /// A person approves (`sluice models approve`); the run waits.
        case manual
    }

    /// Shadow, then canary steps, each held while its guards hold.
    public struct Rollout: Sendable, Equatable {
        /// The candidate scores every payment beside the champion, deciding none. Default: 1 hour.
        public var shadow: Int64 = 3_600_000
        public var canary: [CanaryStep] = [
            CanaryStep(percent: 5, hold: 1_800_000), CanaryStep(percent: 25, hold: 1_800_000),
            CanaryStep(percent: 50, hold: 3_600_000),
        ]
        public var guards = Guards()

        public init() {}
    }

    public struct CanaryStep: Sendable, Equatable {
        public var percent: Int
        public var hold: Int64

        public init(percent: Int, hold: Int64) {
            self.percent = percent
            self.hold = hold
        }
    }

    /// A step fails, and the candidate is rolled back, as soon as one of these is crossed.
    public struct Guards: Sendable, Equatable {
        /// Score latency p99 in milliseconds. Default: 5.
        public var latencyP99Milliseconds = 5.0
        /// Share of scoring requests that failed. Default: 0.01.
        public var errorRate = 0.01
        /// PSI of the canary's scores against its shadow period's. Default: 0.2.
        public var scorePSI = 0.2
        /// Recall drop against the champion once labels matured. Default: 0.05.
        public var recallDrop = 0.05
        /// The score PSI is judged once each side has this many scores. Default: 200.
        public var minimumScores = 200
        /// The recall drop is judged once each side saw this many matured frauds. Default: 20.
        public var minimumFraud = 20

        public init() {}
    }
}

/// A figure of a model's quality on labeled predictions.
public enum QualityMetric: String, Sendable, Equatable, CaseIterable {
    case prAUC = "pr_auc"
    case rocAUC = "roc_auc"
    case recallAt1PercentFPR = "recall_at_1pct_fpr"
}
