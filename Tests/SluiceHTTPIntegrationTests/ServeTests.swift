import Foundation
import SluiceCore
import SluiceHTTP
import SluiceKafka
import SluiceKafkaTesting
import SluiceOnlineStore
import SluiceRedis
import SluiceRedisTesting
import SluiceRuntime
import SluiceStreamingTesting
import SluiceTesting
import Testing

/// A `sluice serve` over an online store the engine populated from 3,000 demo events, started
/// once for the suite (`ServedStoreScope`) and stopped after it.
struct ServedStore: Sendable {
    @TaskLocal static var current: ServedStore?

    let topic: String
    let name: String
    let topologyPath: String
    let compiled: CompiledTopology
    let port: Int
    let server: TestProcess
    var base: String { "http://127.0.0.1:\(port)" }
    static let token = "alpha-token"

    static func start() async throws -> ServedStore {
        let topic = TestServices.uniqueName("serve")
        let name = "serve_" + String(topic.suffix(8))
        let (topologyPath, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: 3_000, seed: 21, malformed: 0)
        try await EngineTestSupport.runUntilEnd(compiled)
        let port = try TestProcess.freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(port).log").path
        // A generous Redis time limit: other tests' engines write batches to the same Redis, and
        // a big MULTI/EXEC holds it for a while on a loaded machine. Time-outs have a test below.
        let server = try await ServeTests.startServer(
            port: port, redisURL: TestServices.redisURL, tokens: "alpha-token, beta-token", log: log,
            extra: ["--topology", topologyPath, "--redis-timeout-ms", "3000"])
        return ServedStore(
            topic: topic, name: name, topologyPath: topologyPath, compiled: compiled, port: port, server: server)
    }

    /// The suite's server; a test outside `ServedStoreScope` fails here.
    static func get() throws -> ServedStore {
        guard let current else { throw TestFailure("no served store: the suite needs the ServedStoreScope trait") }
        return current
    }
}

/// Starts the suite's `ServedStore` before its tests and stops it after them.
struct ServedStoreScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let served = try await ServedStore.start()
        defer { served.server.stop() }
        try await ServedStore.$current.withValue(served) { try await function() }
        try EngineTestSupport.clearState(topologyName: served.name)
    }
}

/// `sluice serve` as users run it, against the real Redis, judged by curl and schemathesis.
@Suite("Serving API", .serialized, .timeLimit(.minutes(5)), ServedStoreScope())
struct ServeTests {
    struct Reply {
        let status: Int
        let body: String
        /// The exchange as curl timed it, from connecting to the last byte: the server's doing, not
        /// the test's (starting curl and resuming after it can take seconds in a full test run).
        var seconds = 0.0
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }

        /// The number a key holds in the body text, parsed exactly (JSONSerialization's number
        /// parsing may be off in the last digit); .some(nil) for null.
        func number(_ key: String, after start: String.Index? = nil) -> Double?? {
            guard let range = body.range(of: "\"\(key)\":", range: (start ?? body.startIndex)..<body.endIndex) else {
                return nil
            }
            let token = body[range.upperBound...].prefix { $0 != "," && $0 != "}" }
            return token == "null" ? .some(nil) : Double(token).map { .some($0) }
        }
    }

    /// One HTTP request through curl: (status, body).
    static func request(_ url: String, method: String = "GET", body: String? = nil, token: String? = nil) async throws
        -> Reply
    {
        var arguments = ["-s", "-S", "--max-time", "10", "-X", method, "-o", "-", "-w", "\n%{http_code} %{time_total}"]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("serve-body-\(UUID().uuidString)")
            .path
        defer { unlink(bodyFile) }
        if let body {
            try body.write(toFile: bodyFile, atomically: false, encoding: .utf8)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@" + bodyFile]
        }
        let (status, output) = try await TestProcess.run(try TestProcess.which("curl"), arguments + [url])
        let trailer = output.lastIndex(of: "\n").map { output[output.index(after: $0)...].split(separator: " ") } ?? []
        guard status == 0, let newline = output.lastIndex(of: "\n"), trailer.count == 2, let code = Int(trailer[0]),
            let seconds = Double(trailer[1])
        else {
            throw TestFailure("curl \(url) failed (\(status)): \(output)")
        }
        return Reply(status: code, body: String(output[..<newline]), seconds: seconds)
    }

    static func startServer(port: Int, redisURL: String, tokens: String?, log: String, extra: [String] = [])
        async throws -> TestProcess
    {
        var environment = ["SLUICE_REDIS_URL": redisURL]
        if let tokens { environment["SLUICE_API_TOKENS"] = tokens }
        // These tests serve features; the registry's routes have their own suite.
        let registry = extra.contains("--registry") ? [] : ["--no-registry"]
        let process = try TestProcess(
            TestProcess.sluiceExecutable(), ["serve", "--port", String(port)] + registry + extra,
            environment: environment, logFile: log)
        try await TestProcess.waitForPort(port)
        return process
    }

    @Test("open endpoints answer without a token; the /v1 routes need one of the configured tokens")
    func endpointsAndTokens() async throws {
        let base = try ServedStore.get().base
        #expect(try await Self.request(base + "/healthz").status == 200)
        #expect(try await Self.request(base + "/readyz").status == 200)
        #expect(try await Self.request(base + "/openapi.json").json?["openapi"] as? String == "3.1.0")
        #expect(try await Self.request(base + "/v1/views").status == 401)
        #expect(try await Self.request(base + "/v1/views", token: "alpha-tokeN").status == 401)
        #expect(try await Self.request(base + "/v1/views", token: "alpha-token-longer").status == 401)
        let views = try await Self.request(base + "/v1/views", token: "beta-token")
        #expect(views.status == 200)
        #expect(
            (views.json?["views"] as? [[String: Any]])?.map { $0["name"] as? String } == ["card", "merchant", "device"])
    }

    /// The read path's vectors of card-0 ... card-39 at the current time.
    static func readPath(_ served: ServedStore) throws -> (at: Int64, entities: [String], vectors: [FeatureVector]) {
        let redis = try RedisConnection(configuration: TestServices.redisConfiguration())
        let at = Int64(Date().timeIntervalSince1970 * 1000)
        let entities = (0..<40).map { "card-\($0)" }
        let vectors = try OnlineStoreReader(compiled: served.compiled).read(
            entities.map { ("card", $0) }, at: at, connection: redis)
        return (at, entities, vectors)
    }

    @Test("a single lookup's features equal the read path's at the same time, to the last digit")
    func singleLookups() async throws {
        let served = try ServedStore.get()
        let (at, entities, expected) = try Self.readPath(served)
        for (entity, vector) in zip(entities.prefix(10), expected) {
            let reply = try await Self.request(
                served.base + "/v1/features/card/\(entity)?at=\(at)", token: ServedStore.token)
            #expect(reply.status == 200)
            let featuresStart = reply.body.range(of: "\"features\":")?.upperBound
            for (index, name) in vector.names.enumerated() {
                let value = reply.number(name, after: featuresStart)
                #expect(
                    value == .some(vector.values[index]),
                    "\(entity) \(name): served \(String(describing: value)), read path \(String(describing: vector.values[index]))"
                )
            }
            #expect((reply.json?["newest_event_time"] as? NSNumber)?.int64Value == vector.newestEventTime)
        }
    }

    @Test("a batch's answers are in request order and equal the read path's")
    func batchLookups() async throws {
        let served = try ServedStore.get()
        let (at, entities, expected) = try Self.readPath(served)
        let batchBody =
            "{\"at\":\(at),\"requests\":["
            + entities.map { "{\"view\":\"card\",\"entity\":\"\($0)\"}" }.joined(separator: ",") + "]}"
        let batch = try await Self.request(
            served.base + "/v1/features", method: "POST", body: batchBody, token: ServedStore.token)
        #expect(batch.status == 200)
        let results = batch.json?["results"] as? [[String: Any]] ?? []
        #expect(results.count == entities.count)
        #expect(zip(results, expected).allSatisfy { $0.0["entity"] as? String == $0.1.entity })
        // Exact values, in the text: each result's features follow its entity.
        for vector in expected {
            guard let start = batch.body.range(of: "\"entity\":\"\(vector.entity)\"")?.upperBound else {
                Issue.record("\(vector.entity) missing from the batch answer")
                continue
            }
            for (index, name) in vector.names.enumerated() {
                #expect(
                    batch.number(name, after: start) == .some(vector.values[index]), "batch \(vector.entity) \(name)")
            }
        }
    }

    @Test("one connection mixing lookups and other requests is answered in order, the same bytes from every path")
    func oneConnection() async throws {
        let served = try ServedStore.get()
        try await Self.checkOneConnection(
            port: served.port, at: Int64(Date().timeIntervalSince1970 * 1000), token: ServedStore.token)
    }

    @Test("on-demand features take their inputs from the query or the batch body, and are null without them")
    func onDemandFeatures() async throws {
        let served = try ServedStore.get()
        let base = served.base
        let token = ServedStore.token
        // The amount over the stored 24-hour mean, and whether the card paid at the merchant in
        // the window (a merchant from its own events).
        let messages = try await KafkaTestSupport.readAll(topic: served.topic, partitions: 4)
        let usedMerchant = messages.compactMap { message -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any],
                object["card_id"] as? String == "card-1"
            else { return nil }
            return object["merchant_id"] as? String
        }.first
        let merchant = try #require(usedMerchant, "card-1 should have payments in the demo traffic")
        let onDemand = try await Self.request(
            base + "/v1/features/card/card-1?amount=250&merchant_id=\(merchant)", token: token)
        let average = try #require(onDemand.number("amount_avg_24h") ?? nil)
        #expect(onDemand.number("amount_to_avg_24h") == .some(250 / average))
        #expect(onDemand.number("is_new_merchant") == .some(0))
        let newMerchant = try await Self.request(
            base + "/v1/features/card/card-1?amount=250&merchant_id=never-seen-merchant", token: token)
        #expect(newMerchant.number("is_new_merchant") == .some(1))
        let withoutInputs = try await Self.request(base + "/v1/features/card/card-1", token: token)
        #expect(
            withoutInputs.number("amount_to_avg_24h") == .some(nil)
                && withoutInputs.number("is_new_merchant") == .some(nil))
        let batchInputs = try await Self.request(
            base + "/v1/features", method: "POST",
            body:
                "{\"inputs\":{\"amount\":250},\"requests\":[{\"view\":\"card\",\"entity\":\"card-1\",\"inputs\":{\"merchant_id\":\"never-seen-merchant\"}}]}",
            token: token)
        #expect(batchInputs.number("amount_to_avg_24h") == .some(250 / average))
        #expect(batchInputs.number("is_new_merchant") == .some(1))
        #expect(try await Self.request(base + "/v1/features/card/card-1?amount=lots", token: token).status == 400)
    }

    @Test("bad input gets a clear status and a JSON error body, never a 5xx")
    func badInput() async throws {
        let base = try ServedStore.get().base
        let cases: [(String, String, String?, Int)] = [
            ("GET", "/v1/features/card/bad%01id", nil, 400),
            ("GET", "/v1/features/card/" + String(repeating: "x", count: 300), nil, 400),
            ("GET", "/v1/features/nope/card-1", nil, 404),
            ("GET", "/v1/features/card/card-1?at=yesterday", nil, 400),
            ("GET", "/v1/features/card/card-1?at=", nil, 400),
            ("POST", "/v1/features", "not json", 400),
            ("POST", "/v1/features", "{\"requests\":[]}", 400),
            (
                "POST", "/v1/features",
                "{\"requests\":["
                    + Array(repeating: "{\"view\":\"card\",\"entity\":\"c\"}", count: 1001).joined(separator: ",")
                    + "]}", 400
            ),
            (
                "POST", "/v1/features",
                "{\"requests\":[{\"view\":\"card\",\"entity\":\"" + String(repeating: "y", count: 1_100_000) + "\"}]}",
                413
            ),
            ("DELETE", "/v1/features/card/card-1", nil, 405),
        ]
        for (method, path, body, status) in cases {
            let reply = try await Self.request(base + path, method: method, body: body, token: ServedStore.token)
            #expect(reply.status == status, "\(method) \(path.prefix(60)): \(reply.status) \(reply.body.prefix(200))")
            let error = reply.json?["error"] as? [String: Any]
            #expect(
                error?["code"] is String && error?["message"] is String, "\(path.prefix(60)): \(reply.body.prefix(200))"
            )
        }
    }

    @Test("schemathesis, fuzzing every operation of the OpenAPI document, finds no 5xx and no response off its schema")
    func fuzzedFromOpenAPI() async throws {
        let base = try ServedStore.get().base
        // Settings beside this file: 413 rejects an oversized body.
        let schemathesis = TestRepository.path(".venv/bin/schemathesis")
        let settings = TestRepository.path("Tests/SluiceHTTPIntegrationTests/schemathesis.toml")
        let fuzz = try await TestProcess.run(
            schemathesis,
            [
                "--config-file", settings, "run", base + "/openapi.json", "--checks", "all", "-n", "150", "--no-color",
                "-H", "Authorization: Bearer \(ServedStore.token)",
            ])
        #expect(fuzz.status == 0, "schemathesis:\n\(fuzz.output.suffix(3000))")
    }

    @Test("lookup latencies are exported as a Prometheus histogram")
    func latencyHistogram() async throws {
        let base = try ServedStore.get().base
        #expect(try await Self.request(base + "/v1/features/card/card-1", token: ServedStore.token).status == 200)
        let metrics = try await Self.request(base + "/metrics")
        #expect(
            metrics.body.contains(
                "sluice_http_request_duration_seconds_bucket{route=\"/v1/features/{view}/{entityId}\""))
    }

    @Test("SIGTERM lets the server finish and exit 0")
    func sigtermExitsCleanly() async throws {
        let served = try ServedStore.get()
        let port = try TestProcess.freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-term-\(port).log").path
        let server = try await Self.startServer(
            port: port, redisURL: TestServices.redisURL, tokens: nil, log: log,
            extra: ["--topology", served.topologyPath])
        #expect(try await Self.request("http://127.0.0.1:\(port)/v1/features/card/card-1").status == 200)
        server.send(SIGTERM)
        let exitStatus = try await server.waitForExit(timeout: .seconds(15))
        let serverLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(
            exitStatus == 0,
            "exit status \(exitStatus.map(String.init) ?? "none within 15 s"); server log:\n\(serverLog.suffix(3000))")
    }

    struct Exchange: Decodable {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    /// Lookups are answered from the raw bytes while a connection asks only for plain lookups,
    /// then on the event loop unless a request the router handles is still unanswered on the
    /// connection. Sent pipelined, in one write, a mix of all three must come back in order, and a
    /// lookup's answer (status, headers but Date, body) must be the same whichever side gave it.
    static func checkOneConnection(port: Int, at: Int64, token: String) async throws {
        func get(_ path: String, headers: String = "") -> String {
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\(headers)\r\n"
        }
        let batch = "{\"at\":\(at),\"requests\":[{\"view\":\"card\",\"entity\":\"card-4\"}]}"
        let requests = [
            get("/v1/features/card/card-1?at=\(at)"),
            get("/healthz"),
            get("/v1/features/card/card-2?at=\(at)"),
            get("/v1/features/card/card-1?at=\(at)", headers: "Connection: keep-alive\r\n"),  // the router's
            get("/v1/features/nope/card-1"),
            "POST /v1/features HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(batch.utf8.count)\r\n\r\n\(batch)",
            get("/v1/features/card/card-3?at=\(at)"),
            get("/v1/features/card/card-5?at=\(at)", headers: "Authorization: Bearer wrong\r\n"),
            get("/v1/features/card/card%ZZ"),
            get("/v1/features/card/card-6?at=\(at)&at=1"),
            get("/v1/features/merchant/m%20x?at=\(at)"),
        ]
        func exchange(_ requests: [String], _ mode: String) async throws -> [Exchange] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "exchange-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: file) }
            try JSONSerialization.data(withJSONObject: requests).write(to: file)
            return try await PythonTools.runJSON(
                "http_exchange.py", ["127.0.0.1", String(port), file.path, mode], as: [Exchange].self)
        }
        let pipelined = try await exchange(requests, "pipelined")
        let sequential = try await exchange(requests, "sequential")
        #expect(pipelined.map(\.status) == [200, 200, 200, 200, 404, 200, 200, 401, 400, 400, 200])
        #expect(pipelined.map(\.status) == sequential.map(\.status))
        // The first lookup is answered from the raw bytes, the fourth by the router.
        #expect(pipelined[0].body == pipelined[3].body, "a lookup answered from the raw bytes and by the router differ")
        #expect(pipelined[0].headers == pipelined[3].headers, "\(pipelined[0].headers) vs \(pipelined[3].headers)")
        #expect(
            pipelined[0].headers["content-type"] == "application/json" && pipelined[0].headers["server"] == "sluice")

        // A connection of plain lookups only, each written one byte at a time, then pipelined:
        // answered from the raw bytes throughout, errors included. A head in another form
        // (HTTP/1.0, a Content-Length) goes to the HTTP pipeline, which answers it the same way.
        let plain = [
            get("/v1/features/card/card-1?at=\(at)"),
            get("/v1/features/nope/card-1"),
            get("/v1/features/merchant/m%20x?at=\(at)"),
            "GET /v1/features/card/card-1?at=\(at) HTTP/1.1\r\nAuthorization:Bearer \(token)  \r\nX-Trace: a\tb\r\n\r\n",
            get("/v1/features/card/card-1?at=\(at)", headers: "Content-Length: 0\r\n"),
            "GET /v1/features/card/card-1?at=\(at) HTTP/1.0\r\nAuthorization: Bearer \(token)\r\nConnection: keep-alive\r\n\r\n",
        ]
        // A client may shut its side down after its last request: that answer is still owed,
        // from the raw bytes and after the hand-over alike.
        #expect(try await exchange(requests, "halfclosed").map(\.status) == pipelined.map(\.status))
        #expect(try await exchange(Array(plain.prefix(4)), "halfclosed").map(\.status) == [200, 404, 200, 200])

        for mode in ["bytewise", "pipelined"] {
            let answers = try await exchange(plain, mode)
            #expect(answers.map(\.status) == [200, 404, 200, 200, 200, 200], "\(mode)")
            #expect(answers[0].headers == pipelined[3].headers && answers[0].body == pipelined[0].body, "\(mode)")
            #expect(
                answers[1].body == pipelined[4].body && answers[1].headers["content-type"] == "application/json",
                "\(mode)")
            #expect(answers[2].body == pipelined[10].body, "\(mode)")
            for index in 3...5 { #expect(answers[index].body == pipelined[0].body, "\(mode) response \(index)") }
        }
        let entities = [0: "card-1", 2: "card-2", 3: "card-1", 6: "card-3", 10: "m x"]
        for (index, entity) in entities {
            #expect(
                pipelined[index].body.contains("\"entity\":\"\(entity)\""),
                "response \(index): \(pipelined[index].body.prefix(120))")
            #expect(
                pipelined[index].body == sequential[index].body,
                "response \(index) differs between pipelined and sequential")
        }
        #expect(pipelined[5].body.contains("\"entity\":\"card-4\""))
        for index in [4, 7, 8, 9] {
            #expect(
                pipelined[index].body.hasPrefix("{\"error\":{\"code\":"), "response \(index): \(pipelined[index].body)")
            #expect(pipelined[index].body == sequential[index].body)
        }
    }

    @Test("a Redis that does not answer gives 503 quickly, not a hang")
    func unresponsiveRedis() async throws {
        // A listener that accepts connections and never replies.
        let silentPort = try TestProcess.freePort()
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(silentPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound == 0)
        #expect(listen(silent, 64) == 0)

        let port = try TestProcess.freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-silent-\(port).log").path
        let server = try await Self.startServer(
            port: port, redisURL: "redis://127.0.0.1:\(silentPort)/0", tokens: nil, log: log,
            extra: ["--redis-timeout-ms", "200"])
        for path in ["/v1/features/card/card-1", "/readyz"] {
            let reply = try await Self.request("http://127.0.0.1:\(port)" + path)
            #expect(reply.status == 503, "\(path): \(reply.status) \(reply.body)")
            #expect(reply.seconds < 2, "\(path) took \(reply.seconds) s")
        }
        server.send(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(15)) == 0)
    }
}
