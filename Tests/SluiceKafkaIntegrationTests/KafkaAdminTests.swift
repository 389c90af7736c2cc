import SluiceKafka
import SluiceKafkaTesting
import SluiceTesting
import Testing

@Suite("Kafka admin against the local broker", .timeLimit(.minutes(1)))
struct KafkaAdminTests {
    @Test("created topics are listed with their partitions; creating twice is reported")
    func createAndList() async throws {
        let admin = try KafkaAdmin(configuration: TestServices.kafkaClient)
        let name = TestServices.uniqueName("admin")
        try await admin.createTopic(name, partitions: 4)
        let topic = try #require(try await admin.listTopics().first { $0.name == name })
        #expect(topic.partitions == [0, 1, 2, 3])

        let error = await #expect(throws: KafkaError.self) { try await admin.createTopic(name, partitions: 4) }
        #expect(error?.code == .topicAlreadyExists)
        try await admin.createTopic(name, partitions: 4, ifNotExists: true)

        let metadata = try await admin.metadata()
        #expect(metadata.brokers.count >= 1)
    }

    @Test("a bad property names the property")
    func rejectsUnknownProperty() throws {
        var client = TestServices.kafkaClient
        client.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) { try KafkaAdmin(configuration: client) }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("no.such.property") == true)
    }
}
