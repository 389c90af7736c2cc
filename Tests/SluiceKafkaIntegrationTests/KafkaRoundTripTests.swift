import SluiceKafka
import SluiceKafkaTesting
import SluiceTesting
import Synchronization
import Testing

/// Produce and consume through the real local broker (`scripts/stack up`).
@Suite("Kafka against the local broker", .timeLimit(.minutes(2)))
struct KafkaRoundTripTests {
    @Test("messages keep their keys, headers, timestamps and per-partition order")
    func roundTrip() async throws {
        let topic = try await KafkaTestSupport.makeTopic("roundtrip", partitions: 3)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        let baseTime: Int64 = 1_700_000_000_000
        var sent: [KafkaDeliveryReport] = []
        for index in 0..<30 {
            let message = KafkaProducerMessage(
                topic: topic, partition: Int32(index % 3), key: "card-\(index % 7)", value: "{\"n\":\(index)}",
                timestamp: baseTime + Int64(index),
                headers: [KafkaHeader(key: "source", value: "test"), KafkaHeader(key: "index", value: "\(index)")])
            sent.append(try await producer.send(message))
        }
        await producer.close()
        #expect(sent.map(\.partition) == (0..<30).map { Int32($0 % 3) })
        #expect(Set(sent.map(\.topic)) == [topic])

        let received = try await KafkaTestSupport.readAll(topic: topic, partitions: 3)
        #expect(received.count == 30)
        for message in received {
            let index = try #require(
                message.headers.first("index").map { Int(String(decoding: $0, as: UTF8.self)) } ?? nil)
            #expect(message.partition == Int32(index % 3))
            #expect(message.keyString == "card-\(index % 7)")
            #expect(message.valueString == "{\"n\":\(index)}")
            #expect(message.timestamp == baseTime + Int64(index))
            #expect(message.headers.first("source") == Array("test".utf8))
            #expect(sent[index].offset == message.offset)
        }
        for partition in 0..<3 {
            let offsets = received.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == offsets.sorted(), "partition \(partition) delivered out of order")
        }
    }

    @Test("a new consumer in the group resumes from the committed offset")
    func commitAndResume() async throws {
        let topic = try await KafkaTestSupport.makeTopic("commit")
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        for index in 0..<10 {
            try producer.enqueue(KafkaProducerMessage(topic: topic, partition: 0, value: "m\(index)"))
        }
        try await producer.flush()
        await producer.close()

        let group = TestServices.uniqueName("group")
        let partition = KafkaTopicPartition(topic, 0)
        let first = try KafkaConsumer(configuration: KafkaTestSupport.consumerConfiguration(group: group))
        try first.subscribe(topics: [topic])
        var read: [KafkaConsumerMessage] = []
        while read.count < 4 {
            read += try await first.nextBatch(maxMessages: 4 - read.count, timeout: .seconds(1)).messages
        }
        #expect(read.map(\.valueString) == ["m0", "m1", "m2", "m3"])
        try await first.commitAsync([partition: read.last!.offset + 1])
        #expect(try first.committed([partition]) == [partition: 4])
        try await first.closeAsync()

        let second = try KafkaConsumer(configuration: KafkaTestSupport.consumerConfiguration(group: group))
        try second.subscribe(topics: [topic])
        let rest = try await KafkaTestSupport.readUntilEnd(second, partitions: [partition])
        // Resumed at the committed offset, not before it. A group consumer may see a range twice
        // when a rebalance lands mid-read (at-least-once), so only the set of offsets is exact.
        #expect(rest.map(\.offset).min() == 4)
        #expect(Set(rest.map(\.offset)) == Set(4...9))
        #expect(Set(rest.map(\.valueString)) == Set(["m4", "m5", "m6", "m7", "m8", "m9"]))
        try await second.closeAsync()
    }

    @Test("the rebalance handler sees assignments and chooses start offsets")
    func rebalanceHandlerChoosesStart() async throws {
        let topic = try await KafkaTestSupport.makeTopic("rebalance", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        for index in 0..<20 {
            try producer.enqueue(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: "v\(index)"))
        }
        try await producer.flush()
        await producer.close()

        let events = EventLog()
        let consumer = try KafkaConsumer(configuration: KafkaTestSupport.consumerConfiguration()) { event in
            events.append(event)
            // Start partition 1 at offset 7, as an application restoring its own stored offsets would.
            if case .assigned = event { return [KafkaTopicPartition(topic, 1): .exact(7)] }
            return [:]
        }
        try consumer.subscribe(topics: [topic])
        let messages = try await KafkaTestSupport.readUntilEnd(
            consumer, partitions: [KafkaTopicPartition(topic, 0), KafkaTopicPartition(topic, 1)])
        #expect(messages.filter { $0.partition == 0 }.map(\.offset) == Array(0..<10))
        #expect(messages.filter { $0.partition == 1 }.map(\.offset) == [7, 8, 9])
        try await consumer.closeAsync()
        let both = [KafkaTopicPartition(topic, 0), KafkaTopicPartition(topic, 1)]
        #expect(events.all == [.assigned(both), .revoked(both)])
    }

    @Test("seek by timestamp starts at the first message at or after that time")
    func seekByTimestamp() async throws {
        let topic = try await KafkaTestSupport.makeTopic("seek-time")
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        let baseTime: Int64 = 1_750_000_000_000
        for index in 0..<20 {
            _ = try await producer.send(
                KafkaProducerMessage(
                    topic: topic, partition: 0, value: "t\(index)", timestamp: baseTime + Int64(index) * 1000))
        }
        await producer.close()

        let partition = KafkaTopicPartition(topic, 0)
        let consumer = try KafkaConsumer(configuration: KafkaTestSupport.consumerConfiguration())
        // The broker's answer is at most the true offset (Tansu answers the partition start).
        let lowerBound = try #require(
            try consumer.offsets(forTimestamp: baseTime + 12_500, partitions: [partition])[partition])
        #expect(lowerBound.isExact && lowerBound.rawValue <= 13)

        try consumer.assign(partitions: [partition], fromTimestamp: baseTime + 12_500)
        let fromThirteen = try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition])
        #expect(fromThirteen.map(\.offset) == Array(13..<20))

        try consumer.seek(toTimestamp: baseTime + 5_000, partitions: [partition])
        let fromFive = try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition])
        #expect(fromFive.first?.valueString == "t5")
        #expect(fromFive.count == 15)

        // Past the newest message, only messages produced later arrive, whatever their timestamps.
        try consumer.seek(toTimestamp: baseTime + 60_000, partitions: [partition])
        _ = try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition])
        let producerAgain = try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        _ = try await producerAgain.send(
            KafkaProducerMessage(topic: topic, partition: 0, value: "late", timestamp: baseTime))
        await producerAgain.close()
        let afterEnd = try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition])
        #expect(afterEnd.map(\.valueString) == ["late"])
    }

    @Test("paused partitions deliver nothing until resumed, then continue where the consumer was")
    func pauseAndResume() async throws {
        let topic = try await KafkaTestSupport.makeTopic("pause")
        let partition = KafkaTopicPartition(topic, 0)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        for index in 0..<5 {
            try producer.enqueue(KafkaProducerMessage(topic: topic, partition: 0, value: "p\(index)"))
        }
        try await producer.flush()

        let consumer = try KafkaConsumer(configuration: KafkaTestSupport.consumerConfiguration())
        try consumer.assign([partition: .beginning])
        var consumed: [String] = []
        while consumed.count < 2 {
            consumed += try await consumer.nextBatch(maxMessages: 2 - consumed.count).messages.compactMap(\.valueString)
        }
        // Backpressure: stop fetching; whatever was prefetched is discarded and fetched again later.
        try consumer.pause([partition])
        for index in 5..<10 {
            try producer.enqueue(KafkaProducerMessage(topic: topic, partition: 0, value: "p\(index)"))
        }
        try await producer.flush()
        await producer.close()

        var whilePaused = 0
        for _ in 0..<5 { whilePaused += try await consumer.nextBatch(timeout: .milliseconds(200)).messages.count }
        #expect(whilePaused == 0)
        try consumer.resume([partition])
        consumed += try await KafkaTestSupport.readUntilEnd(consumer, partitions: [partition]).compactMap(\.valueString)
        #expect(consumed == (0..<10).map { "p\($0)" })
    }
}

/// Collects rebalance events from the polling thread.
final class EventLog: Sendable {
    private let events = Mutex<[KafkaRebalanceEvent]>([])
    func append(_ event: KafkaRebalanceEvent) { events.withLock { $0.append(event) } }
    var all: [KafkaRebalanceEvent] { events.withLock { $0 } }
}
