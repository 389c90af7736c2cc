import Foundation
import SluiceCore
import SluiceRegistry
import SluiceTraining
import Testing

/// Continuous training's steps as registry events, on every backend.
@Suite("Training step conformance")
struct TrainingStepConformanceTests {
    @Test(
        "a run's steps are events of its model, in order, in its history and on the feed's JSON",
        arguments: RegistryBackend.allCases)
    func steps(backend: RegistryBackend) async throws {
        let clock = ManualClock(1_000)
        try await backend.withRegistry(clock: clock) { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            _ = try await registry.register(RegistryFixtures.draft(), actor: "ana")
            let unknown = await #expect(throws: RegistryError.self) {
                try await registry.recordTrainingStep(
                    TrainingStep(model: "nobody", requestID: "r1", kind: .requested, outcome: .started, detail: ""),
                    actor: "ct")
            }
            #expect(unknown?.message == "no model named nobody is registered")
            let infinite = await #expect(throws: RegistryError.self) {
                try await registry.recordTrainingStep(
                    TrainingStep(
                        model: "fraud-model", requestID: "r1", kind: .evaluated, outcome: .passed, detail: "",
                        figures: ["pr_auc": .nan]), actor: "ct")
            }
            #expect(infinite?.code == .invalidArgument)

            let steps = [
                TrainingStep(
                    model: "fraud-model", requestID: "r1", kind: .requested, outcome: .started,
                    detail: "data drift in 2 windows in a row", version: 1),
                TrainingStep(
                    model: "fraud-model", requestID: "r2", kind: .requested, outcome: .started, detail: "by hand"),
                TrainingStep(
                    model: "fraud-model", requestID: "r1", kind: .evaluated, outcome: .failed,
                    detail: "pr_auc 0.48 is 0.02 below the champion's 0.5", figures: ["pr_auc": 0.48, "rows": 616]),
            ]
            for (index, step) in steps.enumerated() {
                clock.set(2_000 + Int64(index))
                try await registry.recordTrainingStep(step, actor: "sluice ct run")
            }
            #expect(try await registry.trainingSteps("fraud-model", requestID: "r1") == [steps[0], steps[2]])
            let history = try await registry.history("fraud-model")
            let recorded = history.compactMap { event -> RegistryEvent? in
                if case .trainingStep = event.change { return event }
                return nil
            }
            #expect(
                recorded.map(\.time) == [2_000, 2_001, 2_002] && recorded.allSatisfy { $0.actor == "sluice ct run" })
            // The stored and published form reads back as written.
            for event in recorded {
                #expect(try RegistryEvent(jsonText: event.jsonText) == event)
                #expect(event.jsonText.contains("\"type\":\"training_step\""))
            }
        }
    }
}
