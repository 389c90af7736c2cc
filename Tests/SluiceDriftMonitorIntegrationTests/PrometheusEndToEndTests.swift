import Foundation
import SluiceKafkaTesting
import SluiceTesting
import Testing

/// The deployment's dashboards and alert rules against the real thing: a real Prometheus (Debian's)
/// scrapes a running `sluice run`, `sluice serve`, `sluice drift run` (with concept drift on
/// matured labels) and `sluice ct run`, and every query of deploy/grafana/dashboards and every
/// expression of deploy/prometheus/alerts.yml returns data through Prometheus's HTTP API.
@Suite("Prometheus scrapes the Sluice services", .timeLimit(.minutes(8)))
struct PrometheusEndToEndTests {
    /// The queries of the dashboards and the alert rules' expressions, each comparison with a
    /// number made a `bool` comparison so that a healthy system's expression still returns its
    /// series (with 0) instead of nothing.
    static func queries() throws -> [(source: String, query: String)] {
        let output = try String(
            decoding: Data(contentsOf: URL(fileURLWithPath: TestRepository.path("deploy/prometheus/alerts.yml"))),
            as: UTF8.self)
        var queries: [(String, String)] = []
        for path in try FileManager.default.contentsOfDirectory(
            atPath: TestRepository.path("deploy/grafana/dashboards"))
        where path.hasSuffix(".json") {
            let data = try Data(
                contentsOf: URL(fileURLWithPath: TestRepository.path("deploy/grafana/dashboards/" + path)))
            let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    queries.append(("\(path) \(panel["title"] ?? "")", try #require(target["expr"] as? String)))
                }
            }
        }
        // alerts.yml: each `- alert: NAME` and its `expr:` (one line, or a `|` block).
        var alert = ""
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let line = lines.popFirst() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- alert: ") { alert = String(trimmed.dropFirst("- alert: ".count)) }
            guard trimmed.hasPrefix("expr:") else { continue }
            var expression = String(trimmed.dropFirst("expr:".count)).trimmingCharacters(in: .whitespaces)
            if expression == "|" {
                expression = ""
                while let next = lines.first, next.hasPrefix("          ") {
                    expression += lines.removeFirst().trimmingCharacters(in: .whitespaces) + " "
                }
            }
            queries.append(("alert \(alert)", boolComparisons(expression)))
        }
        return queries
    }

    /// `a > 0.01` becomes `a > bool 0.01`; comparisons inside label matchers and strings stay.
    static func boolComparisons(_ expression: String) -> String {
        var result = ""
        var depth = 0
        var quoted = false
        var characters = Array(expression)[...]
        while let character = characters.popFirst() {
            result.append(character)
            if character == "\"" { quoted.toggle() }
            if quoted { continue }
            if character == "{" { depth += 1 }
            if character == "}" { depth -= 1 }
            guard depth == 0, ">=<!".contains(character) else { continue }
            if let next = characters.first, next == "=" || next == "~" {
                if next == "~" { continue }
                result.append(characters.removeFirst())
            } else if character == "!" || character == "=" {
                continue
            }
            let rest = String(characters).trimmingCharacters(in: .whitespaces)
            if let first = rest.first, first.isNumber || first == "-" { result += " bool" }
        }
        return result
    }

    @Test("every dashboard query and alert expression returns data from the running services")
    func everyQueryReturnsData() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let concept = try await ConceptDriftRunTests.setUp()
        let folder = concept.folder
        let topic = TestServices.uniqueName("prom-transactions")
        let feed = TestServices.uniqueName("prom-registry")
        let predictions = TestServices.uniqueName("prom-predictions")
        let store = [
            "--registry", folder + "/registry.sqlite", "--artifacts", folder + "/artifacts", "--feed-topic", feed,
        ]
        let kafka = ["--brokers", TestServices.brokers, "--redis", TestServices.redisURL]
        func run(_ arguments: [String]) async throws -> String {
            let result = try await TestProcess.run(sluice, arguments)
            #expect(result.status == 0, "sluice \(arguments.joined(separator: " ")):\n\(result.output)")
            return result.output
        }
        var text = try String(contentsOfFile: TestRepository.path("topologies/fraud.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "topic: transactions\n", with: "topic: \(topic)\n")
        let topology = folder + "/topology.yaml"
        try text.write(toFile: topology, atomically: true, encoding: .utf8)

        // The registry: model `fraud`, versions 1 and 2 (the concept scenario's champion and
        // shadow) with validation metrics, version 1 deployed.
        _ = try await run(["features", "apply", topology] + store)
        let columns = ["card__txn_count_1h", "card__amount_sum_24h", "merchant__txn_count_1h"]
        _ = try await PythonTools.run(
            "train_xgboost.py",
            ["--out", folder + "/model.json", "--features", columns.joined(separator: ","), "--synthetic", "500"])
        for _ in 1...2 {
            _ = try await run(
                [
                    "models", "register", "fraud", "--artifact", folder + "/model.json", "--metric", "pr_auc=0.6",
                    "--metric", "roc_auc=0.8",
                ] + store)
        }
        _ = try await run(["models", "approve", "fraud", "1"] + store)
        _ = try await run(["deploy", "fraud", "--champion", "1"] + store)
        try """
        model: fraud
        triggers:
          new_labels: { min: 1000000000 }
        """.write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)

        _ = try await run(
            [
                "produce-demo", "--events", "20000", "--topic", topic, "--labels-topic", topic + ".labels", "--span",
                "2h",
            ]
                + kafka)
        let ports = (
            run: try TestProcess.freePort(), serve: try TestProcess.freePort(), drift: try TestProcess.freePort(),
            ct: try TestProcess.freePort(), prometheus: try TestProcess.freePort()
        )
        let services = [
            try TestProcess(
                sluice,
                [
                    "run", "--topology", topology, "--group", topic, "--offline-dir", folder + "/offline",
                    "--metrics-port", String(ports.run), "--quiet",
                ] + kafka, logFile: folder + "/run.log"),
            try TestProcess(
                sluice,
                ["serve", "--topology", topology, "--port", String(ports.serve), "--predictions-topic", predictions]
                    + kafka + store, logFile: folder + "/serve.log"),
            try TestProcess(
                sluice,
                [
                    "drift", "run", "--reference", concept.reference, "--predictions-topic", concept.predictionsTopic,
                    "--model", "fraud", "--labels-topic", concept.labelsTopic, "--label-delay-max", "24h",
                    "--threshold", "0.3", "--concept-reference", concept.reference, "--group", topic + ".drift",
                    "--parts-topic", topic + ".drift.parts", "--drift-topic", topic + ".drift.out",
                    "--allowed-lateness", "5m", "--idle-timeout", "1s", "--window", "1h", "--metrics-port",
                    String(ports.drift), "--quiet",
                ] + kafka + store, logFile: folder + "/drift.log"),
            try TestProcess(
                sluice,
                [
                    "ct", "run", "--policy", folder + "/policy.yaml", "--topology", topology, "--features",
                    folder + "/offline", "--labels-topic", topic + ".labels", "--topic", topic + ".ct",
                    "--drift-topic", topic + ".drift.out", "--work-dir", folder + "/ct", "--metrics-port",
                    String(ports.ct),
                ] + kafka + store, logFile: folder + "/ct.log"),
        ]
        defer { for service in services { service.stop() } }

        let configuration = folder + "/prometheus.yml"
        try """
        global: { scrape_interval: 1s, evaluation_interval: 1s }
        rule_files: ["\(TestRepository.path("deploy/prometheus/alerts.yml"))"]
        scrape_configs:
          - { job_name: sluice-run, static_configs: [{ targets: ["127.0.0.1:\(ports.run)"] }] }
          - { job_name: sluice-serve, static_configs: [{ targets: ["127.0.0.1:\(ports.serve)"] }] }
          - { job_name: sluice-drift, static_configs: [{ targets: ["127.0.0.1:\(ports.drift)"] }] }
          - { job_name: sluice-ct, static_configs: [{ targets: ["127.0.0.1:\(ports.ct)"] }] }
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let prometheus = try TestProcess(
            try TestProcess.which("prometheus"),
            [
                "--config.file=\(configuration)", "--storage.tsdb.path=\(folder)/tsdb",
                "--web.listen-address=127.0.0.1:\(ports.prometheus)",
            ], logFile: folder + "/prometheus.log")
        defer { prometheus.stop() }
        try await TestProcess.waitForPort(ports.prometheus, timeout: .seconds(30))
        try await TestProcess.waitForPort(ports.serve, timeout: .seconds(60))

        // Traffic: lookups, scores (served by version 1), a request for an unknown model.
        let event =
            #"{"txn_id":"t-1","card_id":"card-1","merchant_id":"m-1","device_id":"d-1","amount":12.5,"currency":"EUR","country":"DE","mcc":5411,"channel":"pos","ts":"#
        for index in 0..<40 {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            _ = try await TestProcess.run(
                "/usr/bin/curl",
                [
                    "-s", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json", "--data",
                    #"{"model":"fraud","event":\#(event.replacingOccurrences(of: "t-1", with: "t-\(index)"))\#(now)}}"#,
                    "http://127.0.0.1:\(ports.serve)/v1/score",
                ])
            _ = try await TestProcess.run(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "http://127.0.0.1:\(ports.serve)/v1/features/card/card-\(index)"])
        }
        _ = try await TestProcess.run(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-X", "POST", "--data", #"{"model":"nobody","event":{}}"#,
                "http://127.0.0.1:\(ports.serve)/v1/score",
            ])

        let api = "http://127.0.0.1:\(ports.prometheus)/api/v1/query"
        func series(_ query: String) async throws -> Int {
            let result = try await TestProcess.run("/usr/bin/curl", ["-sG", api, "--data-urlencode", "query=\(query)"])
            guard let object = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
                object["status"] as? String == "success", let data = object["data"] as? [String: Any],
                let rows = data["result"] as? [Any]
            else { throw TestFailure("Prometheus refused \(query): \(result.output)") }
            return rows.count
        }
        // The concept windows are judged once the drift run has read the labels: the slowest part.
        let deadline = ContinuousClock.now + .seconds(150)
        var missing = try Self.queries()
        #expect(missing.count > 40, "the dashboards' and alerts' queries: \(missing.count)")
        while !missing.isEmpty && ContinuousClock.now < deadline {
            var still: [(source: String, query: String)] = []
            for entry in missing where try await series(entry.query) == 0 { still.append(entry) }
            missing = still
            if !missing.isEmpty { try await Task.sleep(for: .seconds(2)) }
        }
        #expect(
            missing.isEmpty,
            "queries without data:\n\(missing.map { "\($0.source): \($0.query)" }.joined(separator: "\n"))")
        #expect(try await series(#"up{job=~"sluice-.*"} == 1"#) == 4, "the four services scraped")
    }
}
