import Foundation
import SluiceDrift
import SluiceKafka
import SluiceKafkaTesting
import SluiceModel
import SluiceRegistry
import SluiceTesting
import SluiceTraining
import Testing

/// `sluice ct run` as users run it: a feature log and labels on the real broker, a champion
/// trained by scripts/train and deployed, requests on a topic of the test's own, and the run's
/// story read back from the registry.
@Suite("sluice ct run", .timeLimit(.minutes(8)))
struct ContinuousTrainingRunTests {
    /// Ten days of demo payments replayed into a feature log, with their labels, and a champion
    /// (version 1) trained on them, approved and deployed.
    struct Fixture {
        let work: ModelsCommandTests.Workspace
        let topic: String
        let topology: String
        let requests: String
        let predictions: String
        static let model = "ct-model"
        var kafka: [String] { ["--brokers", TestServices.brokers] }
        var log: String { work.folder + "/log" }

        init() async throws {
            work = try ModelsCommandTests.Workspace()
            topic = TestServices.uniqueName("ctrun")
            requests = topic + ".ct"
            predictions = topic + ".predictions"
            var text = try String(contentsOfFile: TestRepository.path("topologies/fraud.yaml"), encoding: .utf8)
            text = text.replacingOccurrences(of: "topic: transactions\n", with: "topic: \(topic)\n")
            topology = work.folder + "/topology.yaml"
            try text.write(toFile: topology, atomically: true, encoding: .utf8)
            try await work.sluice(
                [
                    "produce-demo", "--events", "30000", "--seed", "5", "--topic", topic, "--labels-topic",
                    topic + ".labels", "--partitions", "2", "--span", "10d",
                ] + kafka, registry: false)
            try await work.sluice(
                ["replay", "--topology", topology, "--out", log, "--quiet"] + kafka, registry: false)
            let set = work.folder + "/champion-set.parquet"
            try await work.sluice(
                [
                    "training-set", "--topology", topology, "--features", log, "--labels-topic", topic + ".labels",
                    "--out", set, "--label-delay-max", "3d",
                ] + kafka, registry: false)
            let champion = work.folder + "/champion.json"
            let trained = try await TestProcess.run(
                TestRepository.path("scripts/train"),
                ["--training-set", set, "--out", champion, "--trees", "20", "--depth", "3"])
            #expect(trained.status == 0, "\(trained.output)")
            try await work.sluice(["features", "apply", topology])
            try await work.sluice(
                ["models", "register", Self.model, "--artifact", champion, "--training-set", set])
            try await work.sluice(["models", "approve", Self.model, "1"])
            try await work.sluice(["deploy", Self.model, "--champion", "1"])
        }

        /// A policy for this data: small minimums, seconds-long rollout stages.
        func policy(
            gate: String = "roc_auc: { max_drop: 0.5 }", command: [String]? = nil,
            triggers: String = "schedule: { every: 7d }", cooldown: String = "1d", canaryHold: String = "1s",
            approval: String = "automatic", shadow: String = "1s"
        ) throws -> String {
            let trainer = command ?? [TestRepository.path("scripts/train"), "--trees", "20", "--depth", "3"]
            let path = work.folder + "/policy-\(UUID().uuidString.prefix(6)).yaml"
            try """
            model: \(Self.model)
            training:
              window: 30d
              label_maturity: 3d
              holdout: 2d
              command: [\(trainer.map { "'\($0)'" }.joined(separator: ", "))]
              time_limit: 5m
            triggers:
              \(triggers)
            cooldown: \(cooldown)
            validation:
              min_rows: 1000
              min_positives: 5
              label_rate_tolerance: 0.9
              null_share_increase: 0.5
            gate:
              \(gate)
            approval: \(approval)
            rollout:
              shadow: \(shadow)
              canary:
                - { percent: 50, hold: \(canaryHold) }
              guards:
                latency_p99_ms: 5
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// Publishes a request by hand; returns its id.
        @discardableResult
        func trigger(reason: String) async throws -> RetrainRequest {
            let output = try await work.sluice(
                ["ct", "trigger", Self.model, "--topic", requests, "--reason", reason, "--json"])
            return try #require(RetrainRequest(json: Data(output.utf8)))
        }

        func runArguments(_ policy: String) -> [String] {
            [
                "ct", "run", "--policy", policy, "--topology", topology, "--features", log, "--labels-topic",
                topic + ".labels", "--predictions-topic", predictions, "--topic", requests, "--work-dir",
                work.folder + "/ct", "--tick", "200ms", "--idle", "1s", "--drift-topic", topic + ".drift",
                "--check-every", "500ms", "--metrics-port", "0",
            ] + kafka
        }

        @discardableResult
        func run(_ policy: String, expect status: Int32 = 0) async throws -> String {
            try await work.sluice(runArguments(policy) + ["--until-idle"], expect: status)
        }

        func deployment() async throws -> Deployment? {
            let output = try await work.sluice(
                ["deploy", Self.model, "--show", "--json"] + work.store, registry: false)
            return try? JSONDecoder().decode(Deployment.self, from: Data(output.utf8))
        }
    }

    @Test(
        "a request runs from training set to promotion, delivered twice it makes one version; a failed gate keeps the champion"
    )
    func promotionAndGate() async throws {
        let fixture = try await Fixture()
        let policy = try fixture.policy()
        let request = try await fixture.trigger(reason: "new labels")
        // The same event delivered again.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        _ = try await producer.send(
            KafkaProducerMessage(topic: fixture.requests, key: Fixture.model, value: request.json))
        await producer.close()

        let output = try await fixture.run(policy)
        #expect(
            output.contains("sluice ct run: 1 run of ct-model (0 triggered here), 1 request passed over"), "\(output)")
        #expect(output.contains("\(request.requestID): promoted passed: version 2 is the champion (was version 1)"))
        let versions = try await fixture.work.versions(Fixture.model)
        #expect(versions.map(\.version) == [1, 2])
        let candidate = try #require(versions.last)
        #expect(candidate.tags["ct.request"] == request.requestID && candidate.approval == .approved)
        #expect(candidate.lineage.trainingSet?.path == fixture.work.folder + "/ct/\(request.requestID)/train.parquet")
        #expect(candidate.metrics["holdout_pr_auc"] != nil && candidate.metrics["pr_auc"] != nil)
        let deployment = try #require(try await fixture.deployment())
        #expect(deployment.champion == 2 && deployment.canary == nil && deployment.shadows.isEmpty)
        let history = try await fixture.work.sluice(["models", "history", Fixture.model])
        let id = request.requestID.prefix(8)
        let story = [
            "requested started", "training_set passed", "validated passed", "trained started", "trained passed",
            "evaluated passed", "registered passed", "shadow started", "canary started", "promoted passed",
        ]
        var position = history.startIndex
        for step in story {
            let found = history.range(of: "training run \(id): \(step)", range: position..<history.endIndex)
            #expect(found != nil, "\(step) missing or out of order in:\n\(history)")
            if let found { position = found.upperBound }
        }
        #expect(history.contains("alias champion"), "\(history)")

        // Nothing new on the topic: a second start has nothing to do.
        let again = try await fixture.run(policy)
        #expect(
            again.contains("sluice ct run: 0 runs of ct-model (0 triggered here), 0 requests passed over"), "\(again)")

        // A gate no candidate passes: the champion (now version 2) stays, no version is added.
        let strict = try fixture.policy(gate: "pr_auc: { min: 0.9999 }\n  recall_at_1pct_fpr: { min: 0.9999 }")
        let failing = try await fixture.trigger(reason: "drift")
        let kept = try await fixture.run(strict)
        #expect(
            kept.contains("\(failing.requestID): evaluated failed: the candidate fails the gate, the champion stays"),
            "\(kept)")
        #expect(try await fixture.work.versions(Fixture.model).count == 2)
        #expect(try await fixture.deployment()?.champion == 2)
    }

    @Test(
        "killed while training and again in a canary step, ct run resumes on restart: one version, the canary finished")
    func killedAndResumed() async throws {
        let fixture = try await Fixture()
        // A trainer that takes a while to start, and a canary step that lasts.
        let slow = try fixture.policy(
            command: [
                "bash", "-c", "sleep 3; exec \"$0\" \"$@\"", TestRepository.path("scripts/train"), "--trees", "20",
                "--depth", "3",
            ], canaryHold: "4s")
        let request = try await fixture.trigger(reason: "schedule")
        for (attempt, stage) in ["trained started", "canary started"].enumerated() {
            let logFile = fixture.work.folder + "/ct-run-\(attempt).log"
            let process = try TestProcess(
                try TestProcess.sluiceExecutable(), fixture.runArguments(slow) + fixture.work.registry,
                logFile: logFile)
            try await ModelsCommandTests.waitForLog(logFile, stage)
            process.send(SIGKILL)
            _ = try await process.waitForExit(timeout: .seconds(10))
        }
        let halfway = try #require(try await fixture.deployment())
        #expect(halfway.canary?.version == 2, "killed with the canary at 50%: \(halfway)")

        let output = try await fixture.run(slow)
        #expect(output.contains("\(request.requestID): promoted passed: version 2 is the champion"), "\(output)")
        #expect(try await fixture.work.versions(Fixture.model).map(\.version) == [1, 2])
        let finished = try #require(try await fixture.deployment())
        #expect(finished.champion == 2 && finished.canary == nil && finished.shadows.isEmpty)
        let history = try await fixture.work.sluice(["models", "history", Fixture.model])
        let id = request.requestID.prefix(8)
        func count(_ step: String) -> Int { history.components(separatedBy: "training run \(id): \(step)").count - 1 }
        #expect(count("trained started") == 2, "\(history)")
        #expect(count("registered passed") == 1 && count("shadow started") == 1)
        #expect(count("canary started") == 1, "the canary step resumed, not started again: \(history)")
        #expect(count("promoted passed") == 1)
    }

    @Test("a guard crossed in shadow rolls the candidate back: the champion alone answers again")
    func rollback() async throws {
        let fixture = try await Fixture()
        // A shadow period long enough for the slow serving path's records to be read in it, even
        // on a loaded machine (1 s was not, once).
        let policy = try fixture.policy(shadow: "15s")
        let request = try await fixture.trigger(reason: "drift")
        // A serving path on which version 2 answers slowly: 50 ms a request.
        let feeding = Task {
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
            var index = 0
            while !Task.isCancelled {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let record =
                    #"{"request_id":"r\#(index)","event_id":"e\#(index)","model":"ct-model","version":2,"variant":"canary","served":true,"score":0.2,"event_time":\#(now),"served_at":\#(now),"latency_us":50000}"#
                _ = try await producer.send(
                    KafkaProducerMessage(topic: fixture.predictions, key: "card-\(index)", value: record))
                index += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            await producer.close()
        }
        defer { feeding.cancel() }
        let output = try await fixture.run(policy)
        feeding.cancel()
        #expect(
            output.contains(
                "\(request.requestID): rolled_back failed: version 2 rolled back, champion version 1 stays: in shadow: score latency p99 50.0 ms above 5.0 ms"
            ), "\(output)")
        let deployment = try #require(try await fixture.deployment())
        #expect(deployment.champion == 1 && deployment.shadows.isEmpty && deployment.canary == nil)
        #expect(try await fixture.work.versions(Fixture.model).count == 2, "the candidate stays registered")
    }

    @Test("triggers fire by themselves: the schedule with no run yet, data drift in two windows in a row, PR-AUC decay")
    func triggers() async throws {
        let fixture = try await Fixture()
        let first = try await fixture.run(try fixture.policy())
        #expect(
            first.contains("sluice ct run: 1 run of ct-model (1 triggered here), 0 requests passed over"), "\(first)")
        #expect(first.contains("promoted passed: version 2 is the champion (was version 1)"), "\(first)")
        #expect(first.contains("retraining requested"), "\(first)")

        // Two closed windows in which the amount drifted, as the drift monitor publishes them.
        let drift = try fixture.policy(triggers: "data_drift: { columns: 1, windows: 2 }", cooldown: "1s")
        try await Task.sleep(for: .seconds(1))
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let reference = ColumnSample.numeric((0..<1000).map(Double.init))
        for (index, shift) in [700.0, 900.0].enumerated() {
            let comparison = ColumnComparison.compare(
                column: "amount", reference: reference, current: .numeric((0..<1000).map { Double($0) + shift }),
                bins: 10, policy: DriftPolicy())
            #expect(comparison.decision?.drifted == true)
            let start = now - Int64(2 - index) * 3_600_000
            let record = DriftWindowRecord(
                monitor: "test", topic: fixture.topic, column: "amount", windowStart: start,
                windowEnd: start + 3_600_000, closedAt: now, comparison: comparison)
            let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
            _ = try await producer.send(
                KafkaProducerMessage(topic: fixture.topic + ".drift", key: record.key, value: json))
        }
        await producer.close()
        let second = try await fixture.run(drift)
        #expect(second.contains("sluice ct run: 1 run of ct-model (1 triggered here)"), "\(second)")
        #expect(second.contains("data drift in 2 windows in a row (ending "), "\(second)")
        #expect(second.contains("Z): amount (ks "), "the column with its statistic: \(second)")
        #expect(second.contains("promoted passed: version 3 is the champion (was version 2)"), "\(second)")
        let history = try await fixture.work.sluice(["models", "history", Fixture.model])
        #expect(history.contains("data_drift: data drift in 2 windows in a row"), "\(history)")

        // The champion (version 3) judged on matured labels in a concept window, far below its
        // registered validation PR-AUC: the frauds get the lowest scores.
        let decay = try fixture.policy(
            triggers: "decay: { metric: pr_auc, margin: 0.01, min_labeled: 100 }", cooldown: "1s")
        try await Task.sleep(for: .seconds(1))
        let closed = Int64(Date().timeIntervalSince1970 * 1000)
        var outcomes: [ConceptOutcomes.Outcome] = []
        for index in 0..<500 {
            let fraud = index % 50 == 0
            let score: Double = fraud ? 0.01 : 0.5 + Double(index % 7) / 100
            outcomes.append(
                ConceptOutcomes.Outcome(
                    eventTime: closed - 3_600_000 + Int64(index), order: UInt64(index), score: score, fraud: fraud,
                    labeled: true))
        }
        var detector = DriftDetectionMethod()
        let metrics = ConceptWindowMetrics.compute(
            outcomes, threshold: 0.5, reference: nil, validation: [:], detector: &detector)
        let concept = ConceptWindowRecord(
            monitor: "test", model: Fixture.model, variant: "champion", version: 3, served: true,
            windowStart: closed - 3_600_000, windowEnd: closed, closedAt: closed, labelDelayMax: 0, metrics: metrics)
        let conceptProducer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        _ = try await conceptProducer.send(
            KafkaProducerMessage(
                topic: fixture.topic + ".drift", key: concept.key,
                value: String(decoding: try JSONEncoder().encode(concept), as: UTF8.self)))
        await conceptProducer.close()
        let third = try await fixture.run(decay)
        #expect(third.contains("sluice ct run: 1 run of ct-model (1 triggered here)"), "\(third)")
        let validation = try #require(try await fixture.work.versions(Fixture.model).first { $0.version == 3 })
            .metrics["pr_auc"]
        #expect(
            third.contains(
                "pr_auc fell to \(EvaluationGate.format(metrics.prAUC!)) on 500 matured labels, from \(EvaluationGate.format(validation ?? .nan)) at validation"
            ), "\(third)")
    }

    @Test("with manual approval the run waits for a person, then rolls out; a rejection ends it")
    func manualApproval() async throws {
        let fixture = try await Fixture()
        let policy = try fixture.policy(approval: "manual")
        let request = try await fixture.trigger(reason: "schedule")
        let logFile = fixture.work.folder + "/ct-run.log"
        let process = try TestProcess(
            try TestProcess.sluiceExecutable(), fixture.runArguments(policy) + ["--until-idle"] + fixture.work.registry,
            logFile: logFile)
        try await ModelsCommandTests.waitForLog(
            logFile, "ct-model version 2 waits for approval: sluice models approve ct-model 2")
        // Waiting: nothing deployed yet, and it stays so.
        try await Task.sleep(for: .seconds(1))
        #expect(try await fixture.deployment()?.shadows == [])
        try await fixture.work.sluice(["models", "approve", Fixture.model, "2", "--actor", "ana"])
        #expect(try await process.waitForExit(timeout: .seconds(60)) == 0)
        let log = try String(contentsOfFile: logFile, encoding: .utf8)
        #expect(log.contains("\(request.requestID): promoted passed: version 2 is the champion"), "\(log)")

        // The next candidate is rejected while its run waits: the run ends, the champion stays.
        let second = try await fixture.trigger(reason: "schedule")
        let rejectedLog = fixture.work.folder + "/ct-run-2.log"
        let rejecting = try TestProcess(
            try TestProcess.sluiceExecutable(), fixture.runArguments(policy) + ["--until-idle"] + fixture.work.registry,
            logFile: rejectedLog)
        try await ModelsCommandTests.waitForLog(rejectedLog, "ct-model version 3 waits for approval")
        try await fixture.work.sluice(["models", "approve", Fixture.model, "3", "--reject", "--reason", "too big"])
        #expect(try await rejecting.waitForExit(timeout: .seconds(60)) == 0)
        let rejected = try String(contentsOfFile: rejectedLog, encoding: .utf8)
        #expect(
            rejected.contains("\(second.requestID): failed failed: version 3 was rejected before its rollout"),
            "\(rejected)")
        #expect(try await fixture.deployment()?.champion == 2)
    }
}
