import Foundation
import SluiceTesting
import Testing

/// The model registry over `sluice serve`: reads with lookup or admin tokens, changes with admin
/// tokens only, registry errors as HTTP statuses, and schemathesis fuzzing every registry
/// operation (changes included) without a 5xx.
@Suite("Registry API", .serialized, .timeLimit(.minutes(5)))
struct RegistryAPITests {
    struct Registry {
        let folder: String
        let options: [String]
        let server: TestProcess
        let base: String
    }

    static let lookupToken = "look-token"
    static let adminToken = "admin-token"

    /// A registry with the fraud topology, two versions of `fraud-model` and `champion` on 1,
    /// served on a free port with lookup and admin tokens.
    static func start(adminTokens: String? = adminToken) async throws -> Registry {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("api")).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let options = [
            "--registry", folder + "/registry.sqlite", "--artifacts", folder + "/artifacts", "--feed-topic",
            TestServices.uniqueName("api-feed"),
        ]
        let model = folder + "/model.json"
        _ = try await PythonTools.run(
            "train_xgboost.py",
            [
                "--out", model, "--features", "card__txn_count_1h,card__amount_sum_1h,merchant__txn_count_1h",
                "--synthetic", "1000",
            ])
        let sluice = try TestProcess.sluiceExecutable()
        for arguments in [
            ["features", "apply", TestRepository.path("topologies/fraud.yaml")],
            ["models", "register", "fraud-model", "--artifact", model, "--tag", "team=risk"],
            ["models", "register", "fraud-model", "--artifact", model],
            ["models", "alias", "fraud-model", "champion", "1"],
        ] {
            let result = try await TestProcess.run(sluice, arguments + options + ["--no-publish"])
            guard result.status == 0 else { throw TestFailure("sluice \(arguments): \(result.output)") }
        }
        let port = try TestProcess.freePort()
        var environment = ["SLUICE_API_TOKENS": lookupToken, "SLUICE_REDIS_URL": TestServices.redisURL]
        if let adminTokens { environment["SLUICE_ADMIN_TOKENS"] = adminTokens }
        let server = try TestProcess(
            sluice, ["serve", "--port", String(port), "--brokers", TestServices.brokers] + options,
            environment: environment,
            logFile: folder + "/serve.log")
        try await TestProcess.waitForPort(port)
        return Registry(folder: folder, options: options, server: server, base: "http://127.0.0.1:\(port)")
    }

    @Test("Reads need a lookup or admin token; changes need an admin token; errors map to statuses")
    func readsAndChanges() async throws {
        let registry = try await Self.start()
        defer { registry.server.stop() }
        let base = registry.base
        func get(_ path: String, token: String? = RegistryAPITests.lookupToken) async throws -> ServeTests.Reply {
            try await ServeTests.request(base + path, token: token)
        }
        func post(_ path: String, _ body: String, token: String? = RegistryAPITests.adminToken) async throws
            -> ServeTests.Reply
        {
            try await ServeTests.request(base + path, method: "POST", body: body, token: token)
        }
        #expect(try await get("/v1/models", token: nil).status == 401)
        let models = try await get("/v1/models")
        #expect(models.status == 200 && models.body.contains("\"aliases\":{\"champion\":1}"), "\(models.body)")
        #expect(try await get("/v1/models", token: Self.adminToken).status == 200)
        #expect(try await get("/v1/models/fraud-model").json?["versions"] as? [Any] != nil)
        #expect(try await get("/v1/models/fraud-model/versions/2").json?["version"] as? Int == 2)
        #expect(try await get("/v1/models/fraud-model/versions/9").status == 404)
        #expect(try await get("/v1/models/fraud-model/versions/x").status == 400)
        #expect(try await get("/v1/models/nope").status == 404)
        #expect(try await get("/v1/models/fraud-model/aliases/champion").json?["version"] as? Int == 1)
        #expect(try await get("/v1/models/fraud-model/aliases/champion?at=2001-01-01T00:00:00Z").status == 404)
        #expect(try await get("/v1/models/fraud-model/aliases/champion?at=soon").status == 400)
        await #expect(
            try get("/v1/features").body.contains("\"used_by\":[{\"aliases\":[\"champion\"],\"model\":\"fraud-model\""))

        let before = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .milliseconds(20))
        let move = "{\"version\":2,\"expect_version\":1,\"reason\":\"better\"}"
        #expect(try await post("/v1/models/fraud-model/aliases/champion", move, token: Self.lookupToken).status == 403)
        #expect(try await post("/v1/models/fraud-model/aliases/champion", move, token: nil).status == 401)
        let moved = try await ServeTests.request(
            base + "/v1/models/fraud-model/aliases/champion", method: "POST", body: move, token: Self.adminToken)
        #expect(
            moved.status == 200 && moved.json?["from"] as? Int == 1 && moved.json?["to"] as? Int == 2, "\(moved.body)")
        let stale = try await post("/v1/models/fraud-model/aliases/champion", move)
        #expect(stale.status == 409 && stale.body.contains("points to version 2, expected version 1"))
        #expect(try await post("/v1/models/fraud-model/aliases/champion", "{\"version\":7}").status == 404)
        #expect(try await post("/v1/models/fraud-model/aliases/champion", "{\"reason\":\"x\"}").status == 400)
        #expect(try await post("/v1/models/fraud-model/aliases/champion", "not json").status == 400)
        #expect(try await post("/v1/models/fraud-model/aliases/1st", "{\"version\":1}").status == 400)
        #expect(try await get("/v1/models/fraud-model/aliases/champion?at=\(before)").json?["version"] as? Int == 1)
        #expect(try await get("/v1/models/fraud-model/aliases/champion").json?["version"] as? Int == 2)
        let approved = try await post(
            "/v1/models/fraud-model/versions/2/approval", "{\"approval\":\"approved\",\"reason\":\"ok\"}")
        #expect(approved.status == 200 && approved.json?["to"] as? String == "approved")
        #expect(try await post("/v1/models/fraud-model/versions/2/approval", "{\"approval\":\"maybe\"}").status == 400)
        #expect(try await get("/v1/models/fraud-model/versions/2/approval").status == 405)

        let history = try await get("/v1/models/fraud-model/history")
        let cli = try await TestProcess.run(
            try TestProcess.sluiceExecutable(), ["models", "history", "fraud-model", "--json"] + registry.options)
        let httpEvents = try JSONSerialization.jsonObject(with: Data(history.body.utf8)) as? [[String: Any]]
        let cliEvents = try JSONSerialization.jsonObject(with: Data(cli.output.utf8)) as? [[String: Any]]
        #expect(httpEvents?.map { $0["sequence"] as? Int } == cliEvents?.map { $0["sequence"] as? Int })
        #expect(httpEvents?.last?["actor"] as? String == "http-admin")
        #expect(httpEvents?.count == 5)
    }

    @Test("Without admin tokens, changes over HTTP are off")
    func changesOff() async throws {
        let registry = try await Self.start(adminTokens: nil)
        defer { registry.server.stop() }
        let reply = try await ServeTests.request(
            registry.base + "/v1/models/fraud-model/aliases/champion", method: "POST", body: "{\"version\":2}",
            token: Self.lookupToken)
        #expect(reply.status == 403 && reply.body.contains("registry changes over HTTP are off"))
    }

    @Test("schemathesis fuzzes every registry operation and scoring, changes included, and finds no 5xx")
    func fuzzed() async throws {
        let registry = try await Self.start()
        defer { registry.server.stop() }
        let fuzz = try await TestProcess.run(
            TestRepository.path(".venv/bin/schemathesis"),
            [
                "--config-file", TestRepository.path("Tests/SluiceHTTPIntegrationTests/schemathesis.toml"), "run",
                registry.base + "/openapi.json", "--include-path-regex", "^/v1/(models|features$|score$)", "--checks",
                "all",
                "-n", "60", "--no-color", "-H", "Authorization: Bearer \(Self.adminToken)",
            ])
        #expect(fuzz.status == 0, "schemathesis:\n\(fuzz.output.suffix(4000))")
        #expect(fuzz.output.contains("POST /v1/score"), "scoring must be among the fuzzed operations")
    }
}
