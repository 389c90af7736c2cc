import Foundation
import SluiceModel
import SluiceTraining
import Testing

@Suite("Continuous training: the rollout guards' figures from the prediction log")
struct RolloutEvidenceTests {
    typealias Prediction = RolloutEvidence.Prediction

    static func guards() -> TrainingPolicy.Guards {
        var guards = TrainingPolicy.Guards()
        guards.minimumScores = 50
        guards.minimumFraud = 4
        return guards
    }

    @Test("latency p99 of the requests the candidate answered, and its share of failed scorings")
    func latencyAndErrors() {
        var records: [Prediction] = []
        for index in 0..<100 {
            records.append(
                Prediction(
                    eventID: "e\(index)", version: 2, served: true, score: index < 3 ? nil : 0.1,
                    latencyMicroseconds: Double(index + 1) * 100))
            records.append(
                Prediction(eventID: "e\(index)", version: 1, served: false, score: 0.1, latencyMicroseconds: 99_000))
        }
        let observed = RolloutEvidence.observe(
            stage: .canary(step: 0, since: 0), version: 2, champion: 1, records: records, shadowPeriod: [],
            label: { _ in nil }, threshold: 0.5, guards: Self.guards())
        // numpy.percentile([0.1, 0.2, ..., 10.0], 99) = 9.901 ms: the champion's records do not count.
        #expect(abs(observed.latencyP99Milliseconds! - 9.901) < 1e-9)
        #expect(observed.errorRate == 0.03)
        #expect(observed.scorePSI == nil, "no shadow period to compare with")
        #expect(observed.recallDrop == nil, "no label")
    }

    @Test("in shadow the candidate answers nothing: no latency; its score PSI waits for the canary")
    func shadow() {
        let records = (0..<100).map {
            Prediction(eventID: "e\($0)", version: 2, served: false, score: Double($0) / 100, latencyMicroseconds: 500)
        }
        let observed = RolloutEvidence.observe(
            stage: .shadow(since: 0), version: 2, champion: 1, records: records, shadowPeriod: records,
            label: { _ in nil }, threshold: 0.5, guards: Self.guards())
        #expect(observed.latencyP99Milliseconds == nil && observed.scorePSI == nil && observed.errorRate == 0)
    }

    @Test("the canary's score PSI against its shadow period, once both have the minimum of scores")
    func scorePSI() {
        let shadow = (0..<100).map {
            Prediction(eventID: "s\($0)", version: 2, served: false, score: Double($0) / 100, latencyMicroseconds: 0)
        }
        // Every canary score in the top decile of the shadow period's scores.
        let canary = (0..<60).map {
            Prediction(eventID: "c\($0)", version: 2, served: true, score: 0.95, latencyMicroseconds: 0)
        }
        let observed = RolloutEvidence.observe(
            stage: .canary(step: 0, since: 0), version: 2, champion: 1, records: canary, shadowPeriod: shadow,
            label: { _ in nil }, threshold: 0.5, guards: Self.guards())
        // Shadow deciles hold 10% each; the canary holds 100% in the last and 0.0001 (smoothing) elsewhere.
        let expected = 9 * (0.0001 - 0.1) * log(0.0001 / 0.1) + (1 - 0.1) * log(1 / 0.1)
        #expect(abs(observed.scorePSI! - expected) < 1e-12)
        let few = RolloutEvidence.observe(
            stage: .canary(step: 0, since: 0), version: 2, champion: 1, records: Array(canary.prefix(49)),
            shadowPeriod: shadow, label: { _ in nil }, threshold: 0.5, guards: Self.guards())
        #expect(few.scorePSI == nil)
    }

    @Test("recall drop: the champion's recall at the threshold minus the candidate's, on matured frauds")
    func recallDrop() {
        var records: [Prediction] = []
        for index in 0..<10 {
            let fraud = index < 5
            // The champion catches 4 of its 5 frauds, the candidate 2 of its 5.
            records.append(
                Prediction(
                    eventID: "a\(index)", version: 1, served: true, score: fraud && index < 4 ? 0.9 : 0.1,
                    latencyMicroseconds: 0))
            records.append(
                Prediction(
                    eventID: "b\(index)", version: 2, served: true, score: fraud && index < 2 ? 0.9 : 0.1,
                    latencyMicroseconds: 0))
        }
        let label: (String) -> Int? = { id in Int(id.dropFirst())! < 5 ? 1 : 0 }
        let observed = RolloutEvidence.observe(
            stage: .canary(step: 0, since: 0), version: 2, champion: 1, records: records, shadowPeriod: [],
            label: label, threshold: 0.5, guards: Self.guards())
        #expect(abs(observed.recallDrop! - (0.8 - 0.4)) < 1e-12)
        var strict = Self.guards()
        strict.minimumFraud = 6
        let tooFew = RolloutEvidence.observe(
            stage: .canary(step: 0, since: 0), version: 2, champion: 1, records: records, shadowPeriod: [],
            label: label, threshold: 0.5, guards: strict)
        #expect(tooFew.recallDrop == nil)
    }

    @Test("the canary's scores are compared with the shadow scores of the keys it now answers, not of every key")
    func sameKeys() {
        var deployment = Deployment(model: "fraud", champion: 1, routingKey: "card_id", salt: "s")
        deployment.canary = Deployment.Canary(version: 2, percent: 25)
        let router = DeploymentRouter(deployment)
        let keys = (0..<2_000).map { "card-\($0)" }
        // The candidate scores the canary's cards high and the others low, in shadow and after.
        func score(_ key: String, _ jitter: Int) -> Double {
            (router.route(key: key).version == 2 ? 0.9 : 0.1) + Double(jitter % 10) / 1_000
        }
        let shadow = keys.enumerated().map { index, key in
            Prediction(
                eventID: "s\(index)", version: 2, served: false, score: score(key, index), latencyMicroseconds: 0,
                routingKey: key)
        }
        let canary = keys.enumerated().filter { router.route(key: $0.element).version == 2 }.map { index, key in
            Prediction(
                eventID: "c\(index)", version: 2, served: true, score: score(key, index + 3), latencyMicroseconds: 0,
                routingKey: key)
        }
        // Shadow scores logged after the canary began, by a server still following the shadow.
        let late = shadow.prefix(300).map { record in
            var record = record
            record.eventID = "late-" + record.eventID
            return record
        }
        let observed = RolloutEvidence.observe(
            stage: .canary(step: 0, since: 0), version: 2, champion: 1, records: canary + late, shadowPeriod: shadow,
            deployment: deployment, label: { _ in nil }, threshold: 0.5, guards: Self.guards())
        let unrouted = RolloutEvidence.observe(
            stage: .canary(step: 0, since: 0), version: 2, champion: 1, records: canary, shadowPeriod: shadow,
            label: { _ in nil }, threshold: 0.5, guards: Self.guards())
        #expect(canary.count > 400)
        #expect(observed.scorePSI! < 0.05, "\(observed)")
        #expect(unrouted.scorePSI! > 1, "\(unrouted)")
    }
}
