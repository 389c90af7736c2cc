import SluiceKafka
import SluiceKafkaTesting
import SluiceTesting
import Testing

/// With nothing listening, every client must fail with a clear error in bounded time, never hang.
@Suite("Kafka with no broker running", .timeLimit(.minutes(1)))
struct KafkaUnavailableBrokerTests {
    let client = KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(TestServices.closedPort)"])

    @Test("metadata says which broker did not answer")
    func metadataFails() async throws {
        let admin = try KafkaAdmin(configuration: client)
        let started = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) { try await admin.metadata(timeout: .seconds(2)) }
        #expect(error?.code == .brokerUnavailable)
        #expect(error?.message.contains("127.0.0.1:\(TestServices.closedPort)") == true)
        // Bounded, not exact: during the whole suite on a loaded 2-core machine this took 10.2 s.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("a send fails once the message timeout passes")
    func sendFails() async throws {
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.messageTimeout = .seconds(1)
        let producer = try KafkaProducer(configuration: configuration)
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: "nowhere", value: "x"))
        }
        #expect(error?.code == .deliveryFailed)
        #expect(error?.isRetriable == true)
        await producer.close(flushTimeout: .milliseconds(100))
    }

    @Test("a consumer reports the unreachable broker instead of blocking")
    func consumerReportsErrors() async throws {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(groupID: "nobody", client: client))
        try consumer.subscribe(topics: ["nowhere"])
        var errors: [KafkaError] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while errors.isEmpty && ContinuousClock.now < deadline {
            errors += try await consumer.nextBatch(timeout: .milliseconds(200)).errors
        }
        #expect(errors.contains { $0.code == .brokerUnavailable })
    }
}
