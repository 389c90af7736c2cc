import CRDKafka
import Dispatch
import Logging

/// Topic administration and cluster metadata.
///
/// Methods run their blocking librdkafka calls on the admin's own dispatch queue.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let pollLoop: PollLoop
    private let bootstrapServers: String
    private let blockingQueue = DispatchQueue(label: "sluice.kafka.admin.blocking")

    public init(
        configuration: KafkaClientConfiguration, logger: Logger = Logger(label: "sluice.kafka.admin")
    ) throws(KafkaError) {
        let properties =
            configuration.rdkafkaProperties
            + configuration.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        self.client = try RDKafkaClient.make(
            kind: .producer, properties: properties, context: RDKafkaCallbackContext(logger: logger))
        self.pollLoop = PollLoop(client: client)
        self.bootstrapServers = configuration.bootstrapServers.joined(separator: ",")
    }

    deinit {
        pollLoop.stop()
    }

    /// Creates `name` with `partitions` partitions. With `ifNotExists`, an existing topic is not an
    /// error (its partition count is not checked).
    public func createTopic(
        _ name: String, partitions: Int, replicationFactor: Int = 1, configs: [String: String] = [:],
        ifNotExists: Bool = false, timeout: Duration = .seconds(15)
    ) async throws(KafkaError) {
        let client = self.client
        try await onBlockingQueue { () throws(KafkaError) in
            try Self.createTopicBlocking(
                client: client, name: name, partitions: partitions, replicationFactor: replicationFactor,
                configs: configs, ifNotExists: ifNotExists, timeout: timeout)
        }
    }

    /// Brokers and topics (internal `__` topics included) as the cluster reports them. Throws
    /// `.brokerUnavailable` when no broker answers within `timeout`.
    public func metadata(timeout: Duration = .seconds(5)) async throws(KafkaError) -> KafkaClusterMetadata {
        let client = self.client
        let servers = bootstrapServers
        return try await onBlockingQueue { () throws(KafkaError) in
            try Self.metadataBlocking(client: client, bootstrapServers: servers, timeout: timeout)
        }
    }

    /// Topic names, internal topics (`__consumer_offsets`...) excluded, sorted.
    public func listTopics(timeout: Duration = .seconds(5)) async throws(KafkaError) -> [KafkaClusterMetadata.Topic] {
        try await metadata(timeout: timeout).topics.filter { !$0.name.hasPrefix("__") }.sorted { $0.name < $1.name }
    }

    private func onBlockingQueue<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T)
        async throws(KafkaError)
        -> T
    {
        try await blockingQueue.run(body)
    }

    // MARK: - Blocking implementations

    private static func createTopicBlocking(
        client: RDKafkaClient, name: String, partitions: Int, replicationFactor: Int, configs: [String: String],
        ifNotExists: Bool, timeout: Duration
    ) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        guard
            let newTopic = rd_kafka_NewTopic_new(
                name, Int32(partitions), Int32(replicationFactor), &errorText, errorText.count)
        else {
            throw KafkaError(.topicCreationFailed, "invalid topic '\(name)': \(String(cBuffer: errorText))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        for (key, value) in configs.sorted(by: { $0.key < $1.key }) {
            let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError.rdkafka(
                    err, "invalid config \(key)=\(value) for topic '\(name)'", code: .topicCreationFailed)
            }
        }
        try client.withHandle { (handle) throws(KafkaError) in
            let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_operation_timeout(
                options, timeout.millisecondsInt32, &errorText, errorText.count)
            _ = rd_kafka_AdminOptions_set_request_timeout(
                options, timeout.millisecondsInt32, &errorText, errorText.count)
            let resultQueue = rd_kafka_queue_new(handle)
            defer { rd_kafka_queue_destroy(resultQueue) }
            var topics: [OpaquePointer?] = [newTopic]
            rd_kafka_CreateTopics(handle, &topics, 1, options, resultQueue)
            // The operation times out on its own; the extra second lets its result arrive.
            guard let event = rd_kafka_queue_poll(resultQueue, timeout.millisecondsInt32 + 1000) else {
                throw KafkaError(
                    .timedOut, "creating topic '\(name)' got no answer within \(timeout)", isRetriable: true)
            }
            defer { rd_kafka_event_destroy(event) }
            let eventError = rd_kafka_event_error(event)
            if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError.rdkafka(eventError, "creating topic '\(name)' failed", code: eventError.adminCode)
            }
            var count = 0
            guard let result = rd_kafka_event_CreateTopics_result(event),
                let results = rd_kafka_CreateTopics_result_topics(result, &count), count == 1,
                let topicResult = results[0]
            else {
                throw KafkaError(.topicCreationFailed, "creating topic '\(name)': the broker returned no result")
            }
            let err = rd_kafka_topic_result_error(topicResult)
            if err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && ifNotExists { return }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let detail = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                throw KafkaError.rdkafka(
                    err, "creating topic '\(name)' with \(partitions) partitions failed (\(detail))",
                    code: err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ? .topicAlreadyExists : .topicCreationFailed)
            }
        }
    }

    static func metadataBlocking(client: RDKafkaClient, bootstrapServers: String, timeout: Duration) throws(KafkaError)
        -> KafkaClusterMetadata
    {
        try client.withHandle { (handle) throws(KafkaError) in
            var metadata: UnsafePointer<rd_kafka_metadata>? = nil
            let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeout.millisecondsInt32)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                if err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT {
                    throw KafkaError.rdkafka(
                        err,
                        "no Kafka broker answered at \(bootstrapServers) within \(timeout); is it running? "
                            + "(scripts/stack up starts a local one; set --brokers or SLUICE_BROKERS for another)",
                        code: .brokerUnavailable)
                }
                throw KafkaError.rdkafka(err, "could not read cluster metadata from \(bootstrapServers)")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            let data = metadata.pointee
            let brokers = (0..<Int(data.broker_cnt)).map { index in
                let broker = data.brokers[index]
                return KafkaClusterMetadata.Broker(id: broker.id, host: String(cString: broker.host), port: broker.port)
            }
            let topics = (0..<Int(data.topic_cnt)).compactMap { index -> KafkaClusterMetadata.Topic? in
                let topic = data.topics[index]
                guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
                let partitions = (0..<Int(topic.partition_cnt)).map { topic.partitions[$0].id }.sorted()
                return KafkaClusterMetadata.Topic(name: String(cString: topic.topic), partitions: partitions)
            }
            return KafkaClusterMetadata(brokers: brokers, topics: topics)
        }
    }
}

extension rd_kafka_resp_err_t {
    fileprivate var adminCode: KafkaError.Code {
        switch self {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT: .brokerUnavailable
        default: .topicCreationFailed
        }
    }
}
