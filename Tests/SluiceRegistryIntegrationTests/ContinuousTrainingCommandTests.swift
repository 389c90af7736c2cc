import Foundation
import SluiceKafka
import SluiceKafkaTesting
import SluiceTesting
import SluiceTraining
import Testing

/// `sluice ct check` and `sluice ct trigger` as users run them: policy files checked, and a
/// retraining request published to the broker naming the deployed champion.
@Suite("sluice ct", .timeLimit(.minutes(4)))
struct ContinuousTrainingCommandTests {
    @Test("ct check: the example policy reads; a bad one names each mistake by file:line:column and exits 1")
    func check() async throws {
        let work = try ModelsCommandTests.Workspace()
        let good = try await work.sluice(["ct", "check", TestRepository.path("models/fraud.yaml")], registry: false)
        #expect(good.contains("models/fraud.yaml: ok (model 'fraud'; triggers: data drift in 3 columns for 2 windows"))
        let bad = work.folder + "/bad.yaml"
        try "model: fraud\ntriggers: {decay: {metric: f1, margin: 0.1, min_labeled: 10}}\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        let output = try await work.sluice(["ct", "check", bad], expect: 1, registry: false)
        #expect(
            output.contains(
                "\(bad):2:28: triggers.decay.metric 'f1' is not a metric; use pr_auc, roc_auc, recall_at_1pct_fpr"),
            "\(output)")
    }

    @Test("ct trigger publishes a retrain_requested event naming the champion; an unknown model is refused")
    func trigger() async throws {
        let work = try ModelsCommandTests.Workspace()
        let topic = try await KafkaTestSupport.makeTopic("ct")
        let unknown = try await work.sluice(["ct", "trigger", "nobody", "--topic", topic], expect: 1)
        #expect(unknown.contains("nobody"), "\(unknown)")

        let columns = ["card__txn_count_1h", "card__amount_sum_24h", "merchant__txn_count_1h"]
        _ = try await PythonTools.run(
            "train_xgboost.py",
            ["--out", work.folder + "/model.json", "--features", columns.joined(separator: ","), "--synthetic", "500"])
        try await work.sluice(["features", "apply", TestRepository.path("topologies/fraud.yaml")])
        try await work.sluice(["models", "register", "ct-model", "--artifact", work.folder + "/model.json"])
        try await work.sluice(["models", "approve", "ct-model", "1"])
        let first = try await work.sluice(["ct", "trigger", "ct-model", "--topic", topic, "--json"])
        try await work.sluice(["deploy", "ct-model", "--champion", "1"])
        let second = try await work.sluice(
            ["ct", "trigger", "ct-model", "--topic", topic, "--reason", "recall fell after a new fraud ring"])
        #expect(second.contains("ct-model: retraining requested"), "\(second)")
        #expect(second.contains("champion version 1"), "\(second)")

        let messages = try await KafkaTestSupport.readAll(topic: topic, partitions: 1)
        let requests = messages.compactMap { message in RetrainRequest(json: Data(message.value)) }
        #expect(requests.count == 2 && messages.allSatisfy { $0.keyString == "ct-model" })
        #expect(requests.map(\.championVersion) == [nil, 1])
        #expect(requests.map(\.reasons) == [["requested by hand"], ["recall fell after a new fraud ring"]])
        #expect(requests.allSatisfy { $0.triggers == ["manual"] && $0.model == "ct-model" })
        #expect(Set(requests.map(\.requestID)).count == 2)
        #expect(RetrainRequest(json: Data(first.utf8))?.requestID == requests.first?.requestID)
        // Each request is the first step of its run in the model's history.
        let history = try await work.sluice(["models", "history", "ct-model"])
        for request in requests {
            #expect(history.contains("training run \(request.requestID.prefix(8)): requested started"), "\(history)")
        }
        #expect(history.contains("(version 1)  \"manual: recall fell after a new fraud ring\""), "\(history)")
    }
}
