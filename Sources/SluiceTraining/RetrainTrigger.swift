import Foundation

/// Whether a model is due a retraining run, by its policy's triggers (docs/continuous-training.md):
/// pure, from what the caller gathered (the drift monitor's windows since the last run, the
/// champion's quality on matured labels and its registered validation figures, the labels that
/// matured, the last run's start).
public enum RetrainTrigger {
    /// One window of the drift monitor: when it ended and the monitored columns that drifted.
    public struct DriftWindow: Sendable, Equatable {
        public var end: Int64
        public var driftedColumns: [String]
        /// Per drifted column, the statistic that decided it, e.g. "psi 0.4242".
        public var statistics: [String: String]

        public init(end: Int64, driftedColumns: [String], statistics: [String: String] = [:]) {
            self.end = end
            self.driftedColumns = driftedColumns
            self.statistics = statistics
        }
    }

    public struct Inputs: Sendable, Equatable {
        /// Epoch ms.
        public var now: Int64
        /// When the previous run started (nil: never).
        public var lastRunStarted: Int64?
        /// The drift windows that ended after the previous run started, oldest first.
        public var driftWindows: [DriftWindow] = []
        /// The champion's quality on the labels that matured (live).
        public var championLive: ModelQuality?
        /// The champion's quality on its validation set, as registered.
        public var championValidation: ModelQuality?
        /// Labels that matured since the previous run started.
        public var labelsMatured = 0

        public init(now: Int64, lastRunStarted: Int64?) {
            self.now = now
            self.lastRunStarted = lastRunStarted
        }
    }

    public enum Reason: Sendable, Equatable {
        /// The windows that drifted in a row, each with its drifted columns.
        case dataDrift([DriftWindow])
        case decay(metric: QualityMetric, live: Double, validation: Double, labeled: Int)
        case schedule(lastRunStarted: Int64?)
        case newLabels(Int)

        /// Epoch ms as ISO-8601 UTC to the second.
        static func time(_ milliseconds: Int64) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        }

        /// The reason in a sentence, for the `retrain_requested` event and the registry.
        public var description: String {
            switch self {
            case .dataDrift(let windows):
                // The columns, each with its statistic in the newest window.
                let newest = windows.last?.statistics ?? [:]
                let columns = Set(windows.flatMap(\.driftedColumns)).sorted().map { column in
                    newest[column].map { "\(column) (\($0))" } ?? column
                }
                let ends = windows.map { Self.time($0.end) }.joined(separator: ", ")
                return
                    "data drift in \(windows.count) windows in a row (ending \(ends)): \(columns.joined(separator: ", "))"
            case .decay(let metric, let live, let validation, let labeled):
                return
                    "\(metric.rawValue) fell to \(EvaluationGate.format(live)) on \(labeled) matured labels, from \(EvaluationGate.format(validation)) at validation"
            case .schedule(let last):
                return last.map { "scheduled: the last run started at \($0)" } ?? "scheduled: no run yet"
            case .newLabels(let count):
                return "\(count) labels matured since the last run"
            }
        }
    }

    public struct Decision: Sendable, Equatable {
        public var reasons: [Reason]
        /// Set when a trigger fired within the cool-down: no run before this time (epoch ms).
        public var coolingDownUntil: Int64?

        public var shouldRun: Bool { !reasons.isEmpty && coolingDownUntil == nil }
    }

    public static func evaluate(_ policy: TrainingPolicy, _ inputs: Inputs) -> Decision {
        var reasons: [Reason] = []
        let triggers = policy.triggers
        if let drift = triggers.dataDrift, let run = driftRun(inputs.driftWindows, drift) {
            reasons.append(.dataDrift(run))
        }
        if let decay = triggers.decay, let live = inputs.championLive, live.labeled >= decay.minimumLabeled,
            let value = live[decay.metric], let reference = inputs.championValidation?[decay.metric],
            value < reference - decay.margin
        {
            reasons.append(.decay(metric: decay.metric, live: value, validation: reference, labeled: live.labeled))
        }
        if let every = triggers.every, inputs.lastRunStarted.map({ inputs.now - $0 >= every }) ?? true {
            reasons.append(.schedule(lastRunStarted: inputs.lastRunStarted))
        }
        if let minimum = triggers.newLabels, inputs.labelsMatured >= minimum {
            reasons.append(.newLabels(inputs.labelsMatured))
        }
        var decision = Decision(reasons: reasons, coolingDownUntil: nil)
        if !reasons.isEmpty, let last = inputs.lastRunStarted, inputs.now - last < policy.cooldown {
            decision.coolingDownUntil = last + policy.cooldown
        }
        return decision
    }

    /// The first `windows` consecutive windows that each drifted in at least `columns` columns.
    private static func driftRun(_ windows: [DriftWindow], _ rule: TrainingPolicy.DataDrift) -> [DriftWindow]? {
        var run: [DriftWindow] = []
        for window in windows {
            if Set(window.driftedColumns).count >= rule.columns {
                run.append(window)
                if run.count == rule.windows { return run }
            } else {
                run.removeAll()
            }
        }
        return nil
    }
}
