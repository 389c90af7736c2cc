import Foundation
import SluiceCore
import SluiceKafkaTesting
import SluiceStreamingTesting
import SluiceTesting
import Synchronization
import Testing

/// POST /v1/score on `sluice serve` over an online store the engine populated, with a model
/// deployed from the registry: scores equal xgboost's on the served vectors, and a deployment
/// switch reaches the server through the change feed while requests keep succeeding.
@Suite("Scoring API", .serialized, .timeLimit(.minutes(5)))
struct ScoreAPITests {
    static let columns = [
        "card__txn_count_1h", "card__amount_sum_24h", "card__amount_to_avg_24h", "card__is_new_merchant",
        "merchant__txn_count_1h", "device__distinct_cards_24h",
    ]

    @Test("Scores equal xgboost's on the vectors served; a switch applies within seconds with no failed request")
    func scoresAndSwitches() async throws {
        let topic = TestServices.uniqueName("score")
        let name = "score_" + String(topic.suffix(8))
        let (topologyPath, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: 3_000, seed: 31, malformed: 0)
        try await EngineTestSupport.runUntilEnd(compiled)
        defer { try? EngineTestSupport.clearState(topologyName: name) }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("scoring"))
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let options = [
            "--registry", folder + "/registry.sqlite", "--artifacts", folder + "/artifacts", "--feed-topic",
            topic + ".registry",
            "--brokers", TestServices.brokers,
        ]
        let sluice = try TestProcess.sluiceExecutable()
        func run(_ arguments: [String]) async throws -> String {
            let result = try await TestProcess.run(sluice, arguments + options)
            guard result.status == 0 else {
                throw TestFailure("sluice \(arguments.joined(separator: " ")): \(result.output)")
            }
            return result.output
        }
        var models: [String] = []
        for seed in [1, 2] {
            let model = folder + "/model-\(seed).json"
            _ = try await PythonTools.run(
                "train_xgboost.py",
                [
                    "--out", model, "--features", Self.columns.joined(separator: ","), "--synthetic", "3000", "--seed",
                    String(seed),
                ])
            models.append(model)
        }
        _ = try await run(["features", "apply", topologyPath])
        for (index, model) in models.enumerated() {
            _ = try await run(["models", "register", "fraud-model", "--artifact", model])
            _ = try await run(["models", "approve", "fraud-model", String(index + 1)])
        }
        _ = try await run(["deploy", "fraud-model", "--champion", "1", "--shadow", "2"])
        let predictionsTopic = try await KafkaTestSupport.makeTopic("predictions")

        let port = try TestProcess.freePort()
        let server = try TestProcess(
            sluice,
            ["serve", "--port", String(port), "--topology", topologyPath, "--predictions-topic", predictionsTopic]
                + options,
            environment: ["SLUICE_REDIS_URL": TestServices.redisURL], logFile: folder + "/serve.log")
        defer { server.stop() }
        try await TestProcess.waitForPort(port)
        let base = "http://127.0.0.1:\(port)"

        // Payments of the demo's cards at the current time, scored with their served vectors.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var rows: [[Double?]] = []
        var served: [Double] = []
        for index in 0..<20 {
            let event = Self.event(index: index, time: now)
            let reply = try await ServeTests.request(
                base + "/v1/score", method: "POST",
                body: "{\"model\":\"fraud-model\",\"event\":\(event),\"include_features\":true}")
            #expect(reply.status == 200, "\(reply.body)")
            let json = try #require(reply.json)
            #expect(json["version"] as? Int == 1 && json["variant"] as? String == "champion")
            let features = try #require(json["features"] as? [String: Any])
            rows.append(Self.columns.map { features[$0] as? Double })
            served.append(try #require(json["score"] as? Double))
        }
        #expect(rows.contains { $0[0].map { $0 > 0 } ?? false }, "some cards must have stored features")
        let file = folder + "/rows.json"
        try JSONSerialization.data(withJSONObject: [
            "columns": Self.columns, "rows": rows.map { $0.map { $0 ?? NSNull() as Any } },
        ])
        .write(to: URL(fileURLWithPath: file))
        struct Reference: Decodable { var scores: [Double] }
        let expected = try await PythonTools.runJSON("xgboost_predict_rows.py", [models[0], file], as: Reference.self)
            .scores
        for (index, score) in served.enumerated() {
            #expect(
                abs(score - expected[index]) <= 1e-6, "payment \(index): served \(score), xgboost \(expected[index])")
        }

        // Errors say what is wrong.
        await #expect(
            try ServeTests.request(
                base + "/v1/score", method: "POST",
                body: "{\"model\":\"nope\",\"event\":\(Self.event(index: 0, time: now))}"
            ).status == 400)
        let missing = try await ServeTests.request(
            base + "/v1/score", method: "POST", body: "{\"model\":\"fraud-model\",\"event\":{\"card_id\":\"c\"}}")
        #expect(missing.status == 400 && missing.body.contains("required field"))

        try await Self.checkOneConnection(port: port, event: Self.event(index: 3, time: now))

        // Blue/green to version 2 while requests keep coming: none fails, and the switch applies fast.
        let failures = Failures()
        let load = Task.detached {
            var index = 0
            while !Task.isCancelled {
                index += 1
                let reply = try? await ServeTests.request(
                    base + "/v1/score", method: "POST",
                    body: "{\"model\":\"fraud-model\",\"event\":\(Self.event(index: index, time: now))}")
                if reply?.status != 200 { failures.add() }
            }
        }
        _ = try await run(["deploy", "fraud-model", "--champion", "2", "--reason", "blue/green"])
        let switched = ContinuousClock.now
        var applied: Duration?
        while ContinuousClock.now - switched < .seconds(10) {
            let reply = try await ServeTests.request(
                base + "/v1/score", method: "POST",
                body: "{\"model\":\"fraud-model\",\"event\":\(Self.event(index: 1, time: now))}")
            if reply.json?["version"] as? Int == 2 {
                applied = ContinuousClock.now - switched
                break
            }
            // Sleeps on this thread: a `Task.sleep` resumes only when a cooperative thread is
            // free, and suites running alongside hold them with blocking calls for seconds.
            usleep(20_000)
        }
        load.cancel()
        _ = await load.result
        let delay = try #require(applied, "the switch did not reach the server within 10 s")
        print("deployment switch applied \(delay) after `sluice deploy` returned")
        #expect(delay < .seconds(2))
        #expect(failures.count == 0, "requests failed during the switch")
        // With the broker away, scoring goes on; the log's bounded buffer drops and counts.
        let awayPort = try TestProcess.freePort()
        let away = try TestProcess(
            sluice,
            [
                "serve", "--port", String(awayPort), "--topology", topologyPath, "--prediction-buffer", "5",
                "--no-feed-relay",
            ]
                + options.dropLast(2) + ["--brokers", "127.0.0.1:\(TestServices.closedPort)"],
            environment: ["SLUICE_REDIS_URL": TestServices.redisURL], logFile: folder + "/serve-away.log")
        defer { away.stop() }
        try await TestProcess.waitForPort(awayPort)
        // Each answer's own time as curl measured it: starting 60 curls under the full suite
        // once took 24 s of wall clock, which says nothing about the server.
        var slowest = 0.0
        for index in 0..<60 {
            let reply = try await ServeTests.request(
                "http://127.0.0.1:\(awayPort)/v1/score", method: "POST",
                body: "{\"model\":\"fraud-model\",\"event\":\(Self.event(index: index, time: now))}")
            #expect(reply.status == 200, "with the broker away: \(reply.body)")
            slowest = max(slowest, reply.seconds)
        }
        #expect(slowest < 2, "no answer waits for the broker: slowest \(slowest) s")
        try await Task.sleep(for: .milliseconds(500))
        let metrics = try await ServeTests.request("http://127.0.0.1:\(awayPort)/metrics").body
        let dropped = metrics.split(separator: "\n").first { $0.hasPrefix("sluice_predictions_dropped_total") }
        #expect(
            dropped.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 40 } == true,
            "\(dropped ?? "no counter")")
        away.stop()

        _ = try await run(["deploy", "fraud-model", "--undeploy"])
        try await Task.sleep(for: .seconds(2))
        let undeployed = try await ServeTests.request(
            base + "/v1/score", method: "POST",
            body: "{\"model\":\"fraud-model\",\"event\":\(Self.event(index: 0, time: now))}")
        #expect(undeployed.status == 409 && undeployed.body.contains("has no deployment"))
    }

    /// Scores are answered on the event loop unless a request the router handles is still
    /// unanswered on the connection (or the request asks for what only the router does, such as a
    /// Connection header). Sent pipelined and one by one, a mix must come back in order, and an
    /// answer (status, headers but Date, body but served_at) must be the same whichever side gave it.
    static func checkOneConnection(port: Int, event: String) async throws {
        func post(_ body: String, headers: String = "") -> String {
            "POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(headers)"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        let score = "{\"model\":\"fraud-model\",\"request_id\":\"same\",\"event\":\(event),\"include_features\":true}"
        let invalid = "{\"model\":\"fraud-model\",\"event\":{\"card_id\":\"c\"}}"
        let requests = [
            post(score),
            post(score, headers: "Connection: keep-alive\r\n"),  // the router's
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            post(score),
            post(invalid),
            post(invalid, headers: "Connection: keep-alive\r\n"),
            post("{\"model\":\"nope\",\"event\":\(event)}"),
            post("{\"model\":\"nope\",\"event\":\(event)}", headers: "Connection: keep-alive\r\n"),
            post("{\"model\":"),
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "score-exchange-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONSerialization.data(withJSONObject: requests).write(to: file)
        func exchange(_ mode: String) async throws -> [ServeTests.Exchange] {
            try await PythonTools.runJSON(
                "http_exchange.py", ["127.0.0.1", String(port), file.path, mode], as: [ServeTests.Exchange].self)
        }
        func withoutServedAt(_ body: String) async -> String {
            body.replacing(/"served_at":[0-9]+/, with: "\"served_at\":0")
        }
        for mode in ["pipelined", "sequential"] {
            let answers = try await exchange(mode)
            #expect(answers.map(\.status) == [200, 200, 200, 200, 400, 400, 400, 400, 400], "\(mode)")
            await #expect(withoutServedAt(answers[0].body) == withoutServedAt(answers[1].body), "\(mode)")
            await #expect(withoutServedAt(answers[0].body) == withoutServedAt(answers[3].body), "\(mode)")
            #expect(answers[0].headers == answers[1].headers, "\(mode): \(answers[0].headers) vs \(answers[1].headers)")
            #expect(
                answers[0].headers["content-type"] == "application/json" && answers[0].headers["server"] == "sluice")
            #expect(answers[4].body == answers[5].body && answers[4].headers == answers[5].headers, "\(mode)")
            #expect(answers[6].body == answers[7].body && answers[6].body.contains("unknown model"), "\(mode)")
        }
    }

    static func event(index: Int, time: Int64) -> String {
        """
        {"txn_id":"score-\(index)","card_id":"card-\(index % 50)","merchant_id":"m-\(index % 7)","device_id":"d-\(index % 9)",\
        "amount":\(20 + index % 90).5,"currency":"EUR","country":"FR","mcc":5411,"channel":"web","ts":\(time)}
        """
    }

    final class Failures: Sendable {
        private let value = Atomic<Int>(0)
        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }
}
