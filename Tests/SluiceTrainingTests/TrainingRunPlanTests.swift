import SluiceTraining
import Testing

@Suite("Continuous training: what a run does next, from its recorded steps")
struct TrainingRunPlanTests {
    static func step(
        _ kind: TrainingStep.Kind, _ outcome: TrainingStep.Outcome, version: Int? = nil, figures: [String: Double] = [:]
    ) -> TrainingStep {
        TrainingStep(
            model: "fraud", requestID: "r1", kind: kind, outcome: outcome, detail: "", version: version,
            figures: figures)
    }

    static let requested = step(.requested, .started, version: 3)
    static let both: Set<TrainingRunPlan.Artifact> = [.trainingSet, .model]

    @Test("each passed step leads to the next, from the request to the approval of the registered version")
    func progression() {
        var steps = [Self.requested]
        #expect(TrainingRunPlan.next(steps, present: []) == .buildTrainingSet)
        steps.append(Self.step(.trainingSet, .passed))
        #expect(TrainingRunPlan.next(steps, present: [.trainingSet]) == .validate)
        steps.append(Self.step(.validated, .passed))
        #expect(TrainingRunPlan.next(steps, present: [.trainingSet]) == .train)
        steps.append(Self.step(.trained, .started))
        steps.append(Self.step(.trained, .passed))
        #expect(TrainingRunPlan.next(steps, present: Self.both) == .evaluate)
        steps.append(Self.step(.evaluated, .passed))
        #expect(TrainingRunPlan.next(steps, present: Self.both) == .register)
        steps.append(Self.step(.registered, .passed, version: 4))
        #expect(TrainingRunPlan.next(steps, present: []) == .approve(version: 4))
    }

    @Test("a step whose file is gone (another machine, a cleaned folder) goes back to the step that makes it")
    func missingFiles() {
        let validated = [Self.requested, Self.step(.trainingSet, .passed), Self.step(.validated, .passed)]
        #expect(TrainingRunPlan.next(validated, present: []) == .buildTrainingSet)
        let trained = validated + [Self.step(.trained, .passed)]
        #expect(TrainingRunPlan.next(trained, present: [.trainingSet]) == .train)
        #expect(TrainingRunPlan.next(trained, present: [.model]) == .buildTrainingSet)
        let evaluated = trained + [Self.step(.evaluated, .passed)]
        #expect(TrainingRunPlan.next(evaluated, present: [.trainingSet]) == .train)
    }

    @Test("a process killed in a step redoes that step")
    func killedInAStep() {
        let training = [
            Self.requested, Self.step(.trainingSet, .passed), Self.step(.validated, .passed),
            Self.step(.trained, .started),
        ]
        #expect(TrainingRunPlan.next(training, present: [.trainingSet]) == .train)
        #expect(TrainingRunPlan.next(training, present: []) == .buildTrainingSet)
    }

    @Test("a failed check, a kept champion, a rollback and a promotion end the run")
    func endings() {
        let base = [Self.requested, Self.step(.trainingSet, .passed)]
        #expect(
            TrainingRunPlan.next(base + [Self.step(.validated, .failed)], present: Self.both)
                == .finished(.validated, .failed))
        #expect(
            TrainingRunPlan.next(base + [Self.step(.evaluated, .failed)], present: Self.both)
                == .finished(.evaluated, .failed))
        #expect(
            TrainingRunPlan.next(base + [Self.step(.rolledBack, .failed, version: 4)], present: [])
                == .finished(.rolledBack, .failed))
        #expect(
            TrainingRunPlan.next(base + [Self.step(.promoted, .passed, version: 4)], present: [])
                == .finished(.promoted, .passed))
    }

    @Test("the rollout resumes at the stage recorded last, against the champion it started with")
    func rolloutStages() {
        let registered = [Self.requested, Self.step(.registered, .passed, version: 4)]
        let shadow =
            registered + [
                Self.step(.shadow, .started, version: 4, figures: ["since": 1_000, "champion": 2])
            ]
        #expect(
            TrainingRunPlan.next(shadow, present: []) == .rollout(version: 4, champion: 2, stage: .shadow(since: 1_000))
        )
        let canary =
            shadow + [
                Self.step(.canary, .started, version: 4, figures: ["since": 5_000, "step": 1, "champion": 2])
            ]
        #expect(
            TrainingRunPlan.next(canary, present: [])
                == .rollout(version: 4, champion: 2, stage: .canary(step: 1, since: 5_000)))
    }
}
