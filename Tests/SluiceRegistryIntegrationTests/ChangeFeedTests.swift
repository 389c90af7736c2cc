import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceKafka
import SluiceRegistry
import SluiceTesting
import Testing

/// The change feed through a broker outage: the store commits while the broker is away, and the
/// feed catches up afterwards with every event, once after deduplication, in order.
@Suite("Registry change feed", .timeLimit(.minutes(4)))
struct ChangeFeedTests {
    /// A private Tansu whose clients reach it only through a proxy, so the test can cut it off
    /// (an outage) without losing what it stores in memory.
    final class ProxiedBroker: Sendable {
        let broker: TestProcess
        let proxy: FaultProxy
        var brokers: String { "127.0.0.1:\(proxy.port)" }
        var client: KafkaClientConfiguration { KafkaClientConfiguration(brokerList: brokers) }

        init() async throws {
            let port = try TestProcess.freePort()
            proxy = try FaultProxy(targetPort: port, trigger: nil, outage: .zero)
            broker = try TestProcess(
                TestRepository.path(".sluice/bin/tansu"),
                [
                    "broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url",
                    "tcp://127.0.0.1:\(proxy.port)", "--storage-engine", "memory://tansu/",
                ])
            try await TestProcess.waitForPort(port)
        }

        func stop() {
            proxy.stop()
            broker.stop()
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "test.feed")
        logger.logLevel = .error
        return logger
    }()

    @Test(
        "Events committed while the broker is away reach the feed when it is back", arguments: RegistryBackend.allCases)
    func outage(backend: RegistryBackend) async throws {
        let broker = try await ProxiedBroker()
        defer { broker.stop() }
        try await backend.withLocation { location in
            let topic = TestServices.uniqueName("feed")
            let sluice = try TestProcess.sluiceExecutable()
            let options = [
                "--registry", location, "--artifacts",
                FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("artifacts"))
                    .path,
                "--brokers", broker.brokers, "--feed-topic",
                topic,
            ]
            let model = try await RegistryCLI.trainModel()
            for arguments in [
                ["features", "apply", TestRepository.path("topologies/fraud.yaml")],
                ["models", "register", "feed-model", "--artifact", model],
                ["models", "register", "feed-model", "--artifact", model],
                ["models", "alias", "feed-model", "champion", "1"],
            ] {
                let result = try await TestProcess.run(sluice, arguments + options)
                #expect(result.status == 0 && !result.output.contains("warning"), "\(result.output)")
            }

            let database = try backend.database(at: location)
            let registry = try await Registry.open(database)
            #expect(try await registry.feedPosition() == 4, "each command published its own event")

            broker.proxy.cut()
            let during = try await TestProcess.run(
                sluice, ["models", "alias", "feed-model", "champion", "2"] + options)
            #expect(during.status == 0, "the store commits while the broker is away: \(during.output)")
            #expect(during.output.contains("warning: committed, but the change feed \(topic) is 1 event behind"))
            for round in 0..<20 {
                try await registry.moveAlias("feed-model", "champion", to: round % 2 + 1, actor: "test")
            }
            try await registry.setApproval("feed-model", 2, to: .approved, actor: "test")
            let head = try await registry.headSequence()
            #expect(head == 26)
            #expect(try await registry.feedPosition() == 4)

            // A long-running publisher, as `sluice serve` runs, starts during the outage.
            let publisher = try RegistryFeedPublisher(
                registry: registry, client: broker.client, topic: topic, logger: Self.logger)
            let running = Task { await publisher.run(interval: .milliseconds(100)) }
            try await Task.sleep(for: .seconds(2))
            #expect(try await registry.feedPosition() == 4, "nothing is published while the broker is away")
            broker.proxy.restore()
            let deadline = ContinuousClock.now + .seconds(60)
            while try await registry.feedPosition() < head, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            running.cancel()
            await running.value
            await publisher.close()
            #expect(try await registry.feedPosition() == head, "the feed caught up")

            var seen: [RegistryEvent] = []
            let last = try await RegistryFeedReader(client: broker.client, topic: topic, logger: Self.logger).read(
                follow: false
            ) { seen.append($0) }
            let stored = try await registry.events(after: 0)
            #expect(last == head)
            #expect(seen.map(\.sequence) == Array(1...head), "every event once, in order")
            #expect(seen == stored, "the feed carries the events as the log stores them")
            await database.close()
        }
    }
}
