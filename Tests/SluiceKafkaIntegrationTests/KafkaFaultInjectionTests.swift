import SluiceKafka
import SluiceKafkaTesting
import SluiceTesting
import Synchronization
import Testing

/// Client-side fault handling on librdkafka's mock cluster: the faults a real broker cannot be
/// made to produce on demand.
@Suite("Kafka fault handling on the mock cluster", .timeLimit(.minutes(2)))
struct KafkaFaultInjectionTests {
    @Test("retriable produce errors are retried until delivery")
    func retriableProduceErrors() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("payments", partitions: 1)
        cluster.pushRequestErrors(.produce, [.notLeaderOrFollower, .requestTimedOut, .notEnoughReplicas])
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                client: KafkaClientConfiguration(brokerList: cluster.bootstrapServers)))
        let report = try await producer.send(
            KafkaProducerMessage(topic: "payments", partition: 0, value: "after errors"))
        #expect(report.offset == 0)
        await producer.close()
    }

    @Test("a non-retriable produce error fails the send with the broker's reason")
    func nonRetriableProduceError() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("payments", partitions: 1)
        cluster.pushRequestErrors(.produce, [.topicAuthorizationFailed])
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                client: KafkaClientConfiguration(brokerList: cluster.bootstrapServers)))
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: "payments", partition: 0, value: "denied"))
        }
        #expect(error?.code == .deliveryFailed)
        #expect(error?.rdkafkaErrorName == "TOPIC_AUTHORIZATION_FAILED")
        await producer.close()
    }

    @Test("messages sent while the broker is down are delivered once it is back")
    func brokerDownAndBack() async throws {
        try await KafkaMockClusterProcess.withCluster(topics: ["payments": 1]) { cluster in
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(
                    client: KafkaClientConfiguration(brokerList: cluster.bootstrapServers)))
            _ = try await producer.send(KafkaProducerMessage(topic: "payments", partition: 0, value: "before"))
            try cluster.setBrokerDown(1)
            let pending = Task {
                try await producer.send(KafkaProducerMessage(topic: "payments", partition: 0, value: "during"))
            }
            try await Task.sleep(for: .seconds(1))
            try cluster.setBrokerUp(1)
            let report = try await pending.value
            #expect(report.offset == 1)
            await producer.close()
        }
    }

    @Test("a consumer survives a broker outage and reads every message once, in order")
    func consumerSurvivesOutage() async throws {
        try await KafkaMockClusterProcess.withCluster(topics: ["payments": 1]) { cluster in
            let client = KafkaClientConfiguration(brokerList: cluster.bootstrapServers)
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client))
            for index in 0..<50 {
                try producer.enqueue(KafkaProducerMessage(topic: "payments", partition: 0, value: "\(index)"))
            }
            try await producer.flush()

            let consumer = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(groupID: "outage", client: client))
            let partition = KafkaTopicPartition("payments", 0)
            try consumer.assign([partition: .beginning])
            var values = try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition]).compactMap(
                \.valueString)

            try cluster.setBrokerDown(1)
            for index in 50..<100 {
                try producer.enqueue(KafkaProducerMessage(topic: "payments", partition: 0, value: "\(index)"))
            }
            for _ in 0..<10 {
                let batch = try await consumer.nextBatch(timeout: .milliseconds(100))
                values += batch.messages.compactMap(\.valueString)
            }
            try cluster.setBrokerUp(1)
            try await producer.flush()
            values += try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition]).compactMap(
                \.valueString)
            #expect(values == (0..<100).map(String.init))
            await producer.close()
        }
    }
}

@Suite("Idempotent producer", .timeLimit(.minutes(1)))
struct KafkaIdempotentProducerTests {
    @Test("retried batches are not duplicated or reordered (mock cluster)")
    func noDuplicatesUnderRetries() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("ledger", partitions: 1)
        let client = KafkaClientConfiguration(brokerList: cluster.bootstrapServers)
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.idempotent = true
        let producer = try KafkaProducer(configuration: configuration)
        _ = try await producer.send(KafkaProducerMessage(topic: "ledger", partition: 0, value: "0"))
        // The broker fails the next produce requests after (as far as the client knows) maybe
        // writing them: retries carry the same producer id and sequence numbers.
        cluster.pushRequestErrors(.produce, [.requestTimedOut, .notEnoughReplicas, .requestTimedOut])
        for index in 1..<200 {
            try producer.enqueue(KafkaProducerMessage(topic: "ledger", partition: 0, value: "\(index)"))
        }
        try await producer.flush()
        await producer.close()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(groupID: "ledger", client: client))
        let partition = KafkaTopicPartition("ledger", 0)
        try consumer.assign([partition: .beginning])
        let values = try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition]).compactMap(
            \.valueString)
        #expect(values == (0..<200).map(String.init))
    }

    @Test("the local broker accepts an idempotent producer")
    func idempotentOnLocalBroker() async throws {
        let topic = try await KafkaTestSupport.makeTopic("idempotent")
        var configuration = KafkaProducerConfiguration(client: TestServices.kafkaClient)
        configuration.idempotent = true
        let producer = try KafkaProducer(configuration: configuration)
        for index in 0..<50 {
            try producer.enqueue(KafkaProducerMessage(topic: topic, partition: 0, value: "\(index)"))
        }
        try await producer.flush()
        await producer.close()
        let values = try await KafkaTestSupport.readAll(topic: topic, partitions: 1).compactMap(\.valueString)
        #expect(values == (0..<50).map(String.init))
    }
}
