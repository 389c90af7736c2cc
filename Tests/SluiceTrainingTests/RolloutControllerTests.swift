import SluiceTraining
import Testing

@Suite("Continuous training: the shadow and canary rollout")
struct RolloutControllerTests {
    static let minute: Int64 = 60_000

    static func policy() -> TrainingPolicy.Rollout {
        var rollout = TrainingPolicy.Rollout()
        rollout.shadow = 10 * minute
        rollout.canary = [
            TrainingPolicy.CanaryStep(percent: 5, hold: 5 * minute),
            TrainingPolicy.CanaryStep(percent: 50, hold: 5 * minute),
        ]
        return rollout
    }

    @Test("held through shadow and each canary step, the candidate is promoted, step by step")
    func promotion() {
        let policy = Self.policy()
        let healthy = RolloutController.Observation(
            latencyP99Milliseconds: 1.2, errorRate: 0.001, scorePSI: 0.01, recallDrop: -0.02)
        var stage = RolloutController.Stage.shadow(since: 0)
        var timeline: [(Int64, RolloutController.Stage)] = []
        for minute in Int64(0)...25 {
            let now = minute * Self.minute
            let next = RolloutController.next(stage, now: now, observed: healthy, policy: policy)
            if next != stage { timeline.append((now, next)) }
            stage = next
        }
        #expect(timeline.map(\.0) == [10 * Self.minute, 15 * Self.minute, 20 * Self.minute])
        #expect(
            timeline.map(\.1) == [
                .canary(step: 0, since: 10 * Self.minute), .canary(step: 1, since: 15 * Self.minute),
                .promoted(at: 20 * Self.minute),
            ])
        #expect(timeline.map { $0.1.traffic(policy) } == [5, 50, 100])
        #expect(
            RolloutController.next(stage, now: 99 * Self.minute, observed: .init(errorRate: 1), policy: policy) == stage
        )
    }

    @Test("a crossed guard rolls back at once, naming the stage and the figures")
    func rollback() {
        let policy = Self.policy()
        let canary = RolloutController.Stage.canary(step: 1, since: 0)
        let slow = RolloutController.next(
            canary, now: Self.minute, observed: .init(latencyP99Milliseconds: 7.5), policy: policy)
        #expect(
            slow
                == .rolledBack(at: Self.minute, reason: "at the 50% canary step: score latency p99 7.5 ms above 5.0 ms")
        )
        let shifted = RolloutController.next(canary, now: Self.minute, observed: .init(scorePSI: 0.31), policy: policy)
        #expect(
            shifted
                == .rolledBack(
                    at: Self.minute,
                    reason: "at the 50% canary step: score PSI 0.31 against the shadow period, above 0.2"))
        let worse = RolloutController.next(
            .shadow(since: 0), now: Self.minute, observed: .init(recallDrop: 0.08), policy: policy)
        #expect(
            worse == .rolledBack(at: Self.minute, reason: "in shadow: recall 0.08 below the champion's, more than 0.05")
        )
        // PSI against the shadow period means nothing in shadow; no data crosses nothing.
        #expect(
            RolloutController.next(.shadow(since: 0), now: Self.minute, observed: .init(scorePSI: 0.9), policy: policy)
                == .shadow(since: 0))
        #expect(RolloutController.next(canary, now: Self.minute, observed: .init(), policy: policy) == canary)
    }

    @Test("without canary steps, shadow leads straight to promotion")
    func noCanary() {
        var policy = Self.policy()
        policy.canary = []
        #expect(
            RolloutController.next(.shadow(since: 0), now: 10 * Self.minute, observed: .init(), policy: policy)
                == .promoted(at: 10 * Self.minute))
    }
}
