/// What a continuous-training run does next, decided from the steps it recorded in the registry
/// (docs/continuous-training.md). Pure: the run records every step before it moves on, so a
/// process killed at any moment finds here, on restart, the step to resume or to redo cleanly.
public enum TrainingRunPlan {
    /// Files a run makes in its working folder and later steps read.
    public enum Artifact: Sendable, Hashable {
        case trainingSet
        case model
    }

    public enum Next: Sendable, Equatable {
        case buildTrainingSet
        case validate
        case train
        case evaluate
        /// Register the candidate, unless a version tagged with the request is already there (a
        /// run killed between the registration and its step).
        case register
        /// The candidate `version` is registered: approve it (automatic policy) or wait for a
        /// person, then start its rollout.
        case approve(version: Int)
        /// The rollout of `version` against `champion` (nil: the model had no champion) is at
        /// `stage`: observe the guards and move on.
        case rollout(version: Int, champion: Int?, stage: RolloutController.Stage)
        /// The run ended with this step (promoted, rolled back, a failed check, kept champion).
        case finished(TrainingStep.Kind, TrainingStep.Outcome)
    }

    /// Figures a step records that the plan reads back.
    public enum Figure {
        public static let since = "since"
        public static let canaryStep = "step"
        public static let champion = "champion"
    }

    /// The next move of the run whose recorded steps are `steps` (oldest first), given which of
    /// its files are still in its working folder. A step needing a file that is gone goes back to
    /// the step that makes it.
    public static func next(_ steps: [TrainingStep], present: Set<Artifact>) -> Next {
        guard let last = steps.last(where: { $0.kind != .requested }) else {
            return steps.isEmpty ? .finished(.failed, .failed) : .buildTrainingSet
        }
        if last.outcome == .failed || last.kind == .failed || last.kind == .promoted || last.kind == .rolledBack {
            return .finished(last.kind, last.outcome)
        }
        let champion = steps.first(where: { $0.kind == .requested })?.version
        switch (last.kind, last.outcome) {
        case (.trainingSet, .passed):
            return present.contains(.trainingSet) ? .validate : .buildTrainingSet
        case (.validated, .passed):
            return present.contains(.trainingSet) ? .train : .buildTrainingSet
        case (.trained, .passed):
            if !present.contains(.trainingSet) { return .buildTrainingSet }
            return present.contains(.model) ? .evaluate : .train
        case (.evaluated, .passed):
            return present.contains(.model) ? .register : .train
        case (.registered, .passed):
            guard let version = last.version else { return .register }
            return .approve(version: version)
        case (.shadow, _), (.canary, _):
            guard let version = last.version, let since = last.figures[Figure.since].map(Int64.init) else {
                return .finished(.failed, .failed)
            }
            let stageChampion = last.figures[Figure.champion].map(Int.init) ?? champion
            if last.kind == .shadow {
                return .rollout(version: version, champion: stageChampion, stage: .shadow(since: since))
            }
            let step = last.figures[Figure.canaryStep].map(Int.init) ?? 0
            return .rollout(version: version, champion: stageChampion, stage: .canary(step: step, since: since))
        default:
            // A step that started and never ended: the process died in it; it is redone.
            return redo(last.kind, present: present)
        }
    }

    private static func redo(_ kind: TrainingStep.Kind, present: Set<Artifact>) -> Next {
        switch kind {
        case .trainingSet: .buildTrainingSet
        case .validated: present.contains(.trainingSet) ? .validate : .buildTrainingSet
        case .trained: present.contains(.trainingSet) ? .train : .buildTrainingSet
        case .evaluated: present.contains(.model) ? .evaluate : .train
        default: .register
        }
    }
}
