/// The rollout of a candidate that passed the gate (docs/continuous-training.md): shadow for the
/// policy's period, then each canary step held for its period, then promotion; a crossed guard
/// at any stage rolls back at once, with the reason. Pure: the caller observes the guards' figures
/// and moves the deployment as the returned stage says (Argo Rollouts' analysis steps are the
/// model).
public enum RolloutController {
    public enum Stage: Sendable, Equatable {
        /// The candidate scores every payment beside the champion and decides none.
        case shadow(since: Int64)
        /// The candidate decides `policy.canary[step].percent` of the payments.
        case canary(step: Int, since: Int64)
        case promoted(at: Int64)
        case rolledBack(at: Int64, reason: String)

        /// The share of payments the candidate decides, in percent.
        public func traffic(_ policy: TrainingPolicy.Rollout) -> Int {
            switch self {
            case .shadow, .rolledBack: 0
            case .canary(let step, _): policy.canary[step].percent
            case .promoted: 100
            }
        }

        public var isFinished: Bool {
            switch self {
            case .promoted, .rolledBack: true
            case .shadow, .canary: false
            }
        }
    }

    /// The guards' figures for the candidate over its current stage; nil where there is no data
    /// yet (no request, no matured label), which crosses nothing.
    public struct Observation: Sendable, Equatable {
        public var latencyP99Milliseconds: Double?
        public var errorRate: Double?
        /// The candidate's scores in this canary step against its shadow period's (canary only).
        public var scorePSI: Double?
        /// The champion's recall minus the candidate's, on matured labels.
        public var recallDrop: Double?

        public init(
            latencyP99Milliseconds: Double? = nil, errorRate: Double? = nil, scorePSI: Double? = nil,
            recallDrop: Double? = nil
        ) {
            self.latencyP99Milliseconds = latencyP99Milliseconds
            self.errorRate = errorRate
            self.scorePSI = scorePSI
            self.recallDrop = recallDrop
        }
    }

    /// The stage after `stage` at `now` given what was observed: rolled back if a guard is
    /// crossed, else the next stage once the current one was held long enough, else the same.
    public static func next(
        _ stage: Stage, now: Int64, observed: Observation, policy: TrainingPolicy.Rollout
    ) -> Stage {
        if stage.isFinished { return stage }
        if let crossed = crossedGuard(stage, observed, policy.guards) {
            return .rolledBack(at: now, reason: "\(describe(stage, policy)): \(crossed)")
        }
        switch stage {
        case .shadow(let since):
            guard now - since >= policy.shadow else { return stage }
            return policy.canary.isEmpty ? .promoted(at: now) : .canary(step: 0, since: now)
        case .canary(let step, let since):
            guard now - since >= policy.canary[step].hold else { return stage }
            return step + 1 < policy.canary.count ? .canary(step: step + 1, since: now) : .promoted(at: now)
        case .promoted, .rolledBack:
            return stage
        }
    }

    /// The first guard crossed, in a sentence.
    static func crossedGuard(_ stage: Stage, _ observed: Observation, _ guards: TrainingPolicy.Guards) -> String? {
        if let p99 = observed.latencyP99Milliseconds, p99 > guards.latencyP99Milliseconds {
            return "score latency p99 \(rounded(p99)) ms above \(rounded(guards.latencyP99Milliseconds)) ms"
        }
        if let rate = observed.errorRate, rate > guards.errorRate {
            return "error rate \(rounded(rate)) above \(rounded(guards.errorRate))"
        }
        if case .canary = stage, let psi = observed.scorePSI, psi > guards.scorePSI {
            return "score PSI \(rounded(psi)) against the shadow period, above \(rounded(guards.scorePSI))"
        }
        if let drop = observed.recallDrop, drop > guards.recallDrop {
            return "recall \(rounded(drop)) below the champion's, more than \(rounded(guards.recallDrop))"
        }
        return nil
    }

    /// The stage in words ("in shadow", "at the 25% canary step").
    public static func describe(_ stage: Stage, _ policy: TrainingPolicy.Rollout) -> String {
        switch stage {
        case .shadow: "in shadow"
        case .canary(let step, _): "at the \(policy.canary[step].percent)% canary step"
        case .promoted: "promoted"
        case .rolledBack: "rolled back"
        }
    }

    private static func rounded(_ value: Double) -> String { "\((value * 10_000).rounded() / 10_000)" }
}
