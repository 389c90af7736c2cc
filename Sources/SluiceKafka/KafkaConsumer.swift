import CRDKafka
import Dispatch
import Logging
import Synchronization

/// A Kafka consumer over librdkafka: consumer groups with explicit commits, or manual assignment.
///
/// Threading: `poll` blocks and is meant for a dedicated thread (the engine's consume loop);
/// `nextBatch` runs the same poll on this consumer's own dispatch queue for async callers. Other
/// methods are thread-safe; those that talk to the broker block for at most their timeout.
/// Rebalance events reach the handler on the thread that polls.
///
/// Offsets: nothing is committed automatically. Commit the offset of the *next* message to read
/// (last processed + 1) once the effects of the processed messages are durable.
public final class KafkaConsumer: Sendable {
    private let queue: RDKafkaQueue
    private var client: RDKafkaClient { queue.client }
    private let blockingQueue = DispatchQueue(label: "sluice.kafka.consumer.blocking")
    private let logger: Logger
    /// Per partition, a timestamp below which messages are skipped until the first one at or after
    /// it arrives (see `seek(toTimestamp:)`).
    private let timestampFloors = Mutex<[KafkaTopicPartition: Int64]>([:])
    /// The message pointers of the last poll, kept for the next: a live engine polls hundreds of
    /// times a second for up to a batch limit of 100,000 messages, and allocating and clearing
    /// 800 KB each time cost more than the few messages it got.
    private let pollBuffer = Mutex(MessagePointers())

    /// Pointers to messages librdkafka handed over; only used within one poll.
    private struct MessagePointers: @unchecked Sendable {
        var slots: [UnsafeMutablePointer<rd_kafka_message_t>?] = []
    }

    public init(
        configuration: KafkaConsumerConfiguration, logger: Logger = Logger(label: "sluice.kafka.consumer"),
        rebalanceHandler: KafkaRebalanceHandler? = nil
    ) throws(KafkaError) {
        let context = RDKafkaCallbackContext(logger: logger, rebalanceHandler: rebalanceHandler)
        let client = try RDKafkaClient.make(
            kind: .consumer, properties: configuration.rdkafkaProperties, context: context)
        // Route the main queue (errors, rebalances) to the consumer queue, so one poll serves all.
        let err = client.withHandle { rd_kafka_poll_set_consumer($0) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, "could not set up the consumer queue") }
        self.queue = RDKafkaQueue(client: client)
        self.logger = logger
    }

    // MARK: - Assignment

    /// Joins the consumer group and subscribes to `topics`; partitions arrive through rebalances
    /// while polling.
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(capacity: topics.count)
        for topic in topics { list.add(KafkaTopicPartition(topic, RD_KAFKA_PARTITION_UA)) }
        let err = client.withHandle { handle in list.withListPointer { rd_kafka_subscribe(handle, $0) } }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, "could not subscribe to \(topics.joined(separator: ", "))")
        }
    }

    /// Reads exactly these partitions from these positions, without group membership.
    public func assign(_ positions: [KafkaTopicPartition: KafkaOffset]) throws(KafkaError) {
        for topic in Set(positions.keys.map(\.topic)) { warmMetadata(topic: topic) }
        let list = RDKafkaTopicPartitionList(positions.sorted { $0.key < $1.key }.map { ($0.key, $0.value.rawValue) })
        let err = client.withHandle { handle in list.withListPointer { rd_kafka_assign(handle, $0) } }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, "could not assign \(positions.keys.sorted())")
        }
    }

    /// Asks the broker for `topic`'s partition leaders through this consumer. Assigned partitions
    /// whose leader librdkafka does not know yet wait a fixed 500 ms before their first offset
    /// lookup; with the leaders known, the first messages come in milliseconds. Best effort: on
    /// failure, assignment goes on the slow way.
    private func warmMetadata(topic: String) {
        client.withHandle { handle in
            guard let topicHandle = rd_kafka_topic_new(handle, topic, nil) else { return }
            defer { rd_kafka_topic_destroy(topicHandle) }
            var metadata: UnsafePointer<rd_kafka_metadata>? = nil
            if rd_kafka_metadata(handle, 0, topicHandle, &metadata, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata {
                rd_kafka_metadata_destroy(metadata)
            }
        }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        let err = client.withHandle { rd_kafka_assignment($0, &list) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError.rdkafka(err, "could not read the assignment")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return RDKafkaTopicPartitionList.entries(of: list).map(\.partition).sorted()
    }

    // MARK: - Polling

    /// Waits up to `timeout` for the first message, then takes what else is already fetched, up to
    /// `maxMessages`. Blocks the calling thread: call it from a dedicated thread, or use `nextBatch`.
    /// Throws only for fatal errors; transient ones come back in `errors`.
    public func poll(maxMessages: Int = 1000, timeout: Duration = .milliseconds(100)) throws(KafkaError)
        -> KafkaConsumerBatch
    {
        if let fatal = client.fatalError() { throw fatal }
        var batch = KafkaConsumerBatch()
        var floors = timestampFloors.withLock { $0 }
        // Taken out while in use, so that a concurrent poll (unusual) allocates its own.
        var buffer = pollBuffer.withLock { kept in
            defer { kept.slots = [] }
            return kept.slots
        }
        if buffer.count < max(maxMessages, 1) { buffer = Array(repeating: nil, count: max(maxMessages, 1)) }
        defer { pollBuffer.withLock { [buffer] in $0.slots = buffer } }
        var topicCache = TopicNameCache()
        queue.withQueue { rkqu in
            // Taking what is ready first, and blocking only for the first message, keeps latency at
            // the fetch latency instead of the batch timeout.
            let limit = max(maxMessages, 1)
            var count = buffer.withUnsafeMutableBufferPointer {
                rd_kafka_consume_batch_queue(rkqu, 0, $0.baseAddress, limit)
            }
            if count == 0, let first = rd_kafka_consume_queue(rkqu, timeout.millisecondsInt32) {
                buffer[0] = first
                count =
                    1
                    + max(
                        0,
                        buffer.withUnsafeMutableBufferPointer {
                            rd_kafka_consume_batch_queue(rkqu, 0, $0.baseAddress! + 1, limit - 1)
                        })
            }
            guard count > 0 else { return }
            batch.messages.reserveCapacity(count)
            for index in 0..<count {
                guard let message = buffer[index] else { continue }
                defer { rd_kafka_message_destroy(message) }
                collect(message, into: &batch, topicCache: &topicCache, floors: &floors)
            }
        }
        if !floors.isEmpty || batch.reachedEnd.count + batch.messages.count > 0 {
            timestampFloors.withLock { current in
                // Keep floors set by a seek that ran concurrently; drop those this poll passed.
                for key in current.keys where floors[key] == nil { current[key] = nil }
            }
        }
        batch.errors += client.context.drainErrors()
        return batch
    }

    /// `poll` on this consumer's dispatch queue, for async callers.
    public func nextBatch(maxMessages: Int = 1000, timeout: Duration = .milliseconds(100)) async throws(KafkaError)
        -> KafkaConsumerBatch
    {
        try await onBlockingQueue { () throws(KafkaError) in try self.poll(maxMessages: maxMessages, timeout: timeout) }
    }

    private func collect(
        _ pointer: UnsafeMutablePointer<rd_kafka_message_t>, into batch: inout KafkaConsumerBatch,
        topicCache: inout TopicNameCache, floors: inout [KafkaTopicPartition: Int64]
    ) {
        let message = pointer.pointee
        let topic = topicCache.name(of: message.rkt)
        switch message.err {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
            if !floors.isEmpty, let floor = floors[KafkaTopicPartition(topic, message.partition)] {
                if timestampType != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && timestamp < floor { return }
                floors[KafkaTopicPartition(topic, message.partition)] = nil
            }
            batch.messages.append(
                KafkaConsumerMessage(
                    topic: topic, partition: message.partition, offset: message.offset,
                    key: message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) },
                    value: message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? [],
                    timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
                    headers: headers(of: pointer)))
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            batch.reachedEnd[KafkaTopicPartition(topic, message.partition)] = message.offset
            // Kafka starts a seek past the newest message at the end: everything later is delivered.
            if !floors.isEmpty { floors[KafkaTopicPartition(topic, message.partition)] = nil }
        default:
            let detail = message.payload.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
            batch.errors.append(KafkaError.rdkafka(message.err, "consuming \(topic)[\(message.partition)]: \(detail)"))
        }
    }

    private func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer? = nil
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>? = nil
        var value: UnsafeRawPointer? = nil
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    // MARK: - Offsets

    /// Commits `offsets` (each the offset of the next message to read). With `waitForBroker`
    /// (the default) it blocks until the broker answers; otherwise it returns at once and a
    /// failure is only logged.
    public func commit(_ offsets: [KafkaTopicPartition: Int64], waitForBroker: Bool = true) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let err = client.withHandle { handle in
            list.withListPointer { rd_kafka_commit(handle, $0, waitForBroker ? 0 : 1) }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, "could not commit offsets \(describe(offsets))", code: .commitFailed)
        }
        if let failed = list.entries.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError.rdkafka(
                failed.error, "could not commit offset \(failed.offset) of \(failed.partition)", code: .commitFailed)
        }
    }

    /// `commit` on this consumer's dispatch queue, for async callers.
    public func commitAsync(_ offsets: [KafkaTopicPartition: Int64]) async throws(KafkaError) {
        try await onBlockingQueue { () throws(KafkaError) in try self.commit(offsets) }
    }

    /// The group's committed offsets for `partitions`; partitions with no commit are left out.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) throws(KafkaError)
        -> [KafkaTopicPartition: Int64]
    {
        let list = RDKafkaTopicPartitionList(partitions.map { ($0, rdKafkaOffsetInvalid) })
        let err = client.withHandle { handle in
            list.withListPointer { rd_kafka_committed(handle, $0, timeout.millisecondsInt32) }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, "could not read committed offsets of \(partitions)", code: .offsetQueryFailed)
        }
        var result: [KafkaTopicPartition: Int64] = [:]
        for entry in list.entries where entry.offset >= 0 { result[entry.partition] = entry.offset }
        return result
    }

    /// The next offset this consumer will read in each of `partitions`, where known.
    public func position(_ partitions: [KafkaTopicPartition]) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let list = RDKafkaTopicPartitionList(partitions.map { ($0, rdKafkaOffsetInvalid) })
        let err = client.withHandle { handle in list.withListPointer { rd_kafka_position(handle, $0) } }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, "could not read positions of \(partitions)", code: .offsetQueryFailed)
        }
        var result: [KafkaTopicPartition: Int64] = [:]
        for entry in list.entries where entry.offset >= 0 { result[entry.partition] = entry.offset }
        return result
    }

    /// Moves the read position of assigned partitions. Messages already fetched past the old
    /// position are discarded.
    public func seek(_ positions: [KafkaTopicPartition: KafkaOffset], timeout: Duration = .seconds(10))
        throws(KafkaError)
    {
        let list = RDKafkaTopicPartitionList(positions.sorted { $0.key < $1.key }.map { ($0.key, $0.value.rawValue) })
        let error = client.withHandle { handle in
            list.withListPointer { rd_kafka_seek_partitions(handle, $0, timeout.millisecondsInt32) }
        }
        if let error {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError.rdkafka(
                rd_kafka_error_code(error), "could not seek \(positions.keys.sorted())", code: .offsetQueryFailed)
        }
        if let failed = list.entries.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError.rdkafka(failed.error, "could not seek \(failed.partition)", code: .offsetQueryFailed)
        }
    }

    /// For each partition, the offset the broker gives for the first message whose timestamp is at
    /// or after `timestamp` (epoch ms); `KafkaOffset.end` when there is none.
    ///
    /// Some Kafka API compatible brokers answer with an earlier offset (Tansu 0.6 answers the
    /// partition start): treat the answer as a lower bound. `seek(toTimestamp:)` and
    /// `assign(partitions:fromTimestamp:)` are exact on every broker.
    public func offsets(
        forTimestamp timestamp: Int64, partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)
    ) throws(KafkaError) -> [KafkaTopicPartition: KafkaOffset] {
        let list = RDKafkaTopicPartitionList(partitions.map { ($0, timestamp) })
        let err = client.withHandle { handle in
            list.withListPointer { rd_kafka_offsets_for_times(handle, $0, timeout.millisecondsInt32) }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(
                err, "could not look up offsets for timestamp \(timestamp) in \(partitions)", code: .offsetQueryFailed)
        }
        var result: [KafkaTopicPartition: KafkaOffset] = [:]
        for entry in list.entries {
            if entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError.rdkafka(
                    entry.error, "could not look up offset for timestamp \(timestamp) in \(entry.partition)",
                    code: .offsetQueryFailed)
            }
            result[entry.partition] = entry.offset >= 0 ? .exact(entry.offset) : .end
        }
        return result
    }

    /// Moves each of the assigned `partitions` to its first message whose timestamp is at or after
    /// `timestamp` (epoch ms), as Kafka defines it: later messages are delivered whatever their
    /// timestamps. Exact even on brokers whose offset look-up only gives a lower bound: messages
    /// before the first one at or after `timestamp` are skipped by the consumer.
    public func seek(toTimestamp timestamp: Int64, partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10))
        throws(KafkaError)
    {
        let starts = try offsets(forTimestamp: timestamp, partitions: partitions, timeout: timeout)
        setFloors(timestamp, for: starts)
        try seek(starts, timeout: timeout)
    }

    /// Manually assigns `partitions` starting at their first message at or after `timestamp`
    /// (epoch ms), with the same exactness as `seek(toTimestamp:)`.
    public func assign(
        partitions: [KafkaTopicPartition], fromTimestamp timestamp: Int64, timeout: Duration = .seconds(10)
    )
        throws(KafkaError)
    {
        let starts = try offsets(forTimestamp: timestamp, partitions: partitions, timeout: timeout)
        setFloors(timestamp, for: starts)
        try assign(starts)
    }

    private func setFloors(_ timestamp: Int64, for starts: [KafkaTopicPartition: KafkaOffset]) {
        timestampFloors.withLock { floors in
            for (partition, start) in starts { floors[partition] = start == .end ? nil : timestamp }
        }
    }

    /// The low and high watermarks librdkafka last saw in fetch responses for `partition`, without
    /// asking the broker; nil before the first fetch.
    public func cachedWatermarks(_ partition: KafkaTopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = client.withHandle {
            rd_kafka_get_watermark_offsets($0, partition.topic, partition.partition, &low, &high)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    // MARK: - Flow control

    /// Stops fetching from `partitions` (backpressure) until `resume`.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try changeFlow(partitions, pause: true)
    }

    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try changeFlow(partitions, pause: false)
    }

    private func changeFlow(_ partitions: [KafkaTopicPartition], pause: Bool) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(partitions.map { ($0, rdKafkaOffsetInvalid) })
        let err = client.withHandle { handle in
            list.withListPointer {
                pause ? rd_kafka_pause_partitions(handle, $0) : rd_kafka_resume_partitions(handle, $0)
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, "could not \(pause ? "pause" : "resume") \(partitions)")
        }
    }

    // MARK: - Shutdown

    /// Leaves the group (running the revoke rebalance) and stops fetching. Blocks until done.
    public func close() throws(KafkaError) {
        let err = client.withHandle { rd_kafka_consumer_close($0) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, "could not close the consumer cleanly") }
    }

    /// `close` on this consumer's dispatch queue, for async callers.
    public func closeAsync() async throws(KafkaError) {
        try await onBlockingQueue { () throws(KafkaError) in try self.close() }
    }

    private func onBlockingQueue<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T)
        async throws(KafkaError)
        -> T
    {
        try await blockingQueue.run(body)
    }
}

private func describe(_ offsets: [KafkaTopicPartition: Int64]) -> String {
    offsets.sorted { $0.key < $1.key }.map { "\($0.key)@\($0.value)" }.joined(separator: ", ")
}

/// Avoids re-decoding the topic name of every message: consecutive messages mostly share a topic.
private struct TopicNameCache {
    private var lastHandle: OpaquePointer? = nil
    private var lastName = ""

    mutating func name(of handle: OpaquePointer?) -> String {
        guard let handle else { return "" }
        if handle != lastHandle {
            lastHandle = handle
            lastName = String(cString: rd_kafka_topic_name(handle))
        }
        return lastName
    }
}

// MARK: - Consumer queue

/// Owns the consumer's `rd_kafka_queue_t` and keeps its client alive, so the queue is always
/// destroyed before the client handle.
final class RDKafkaQueue: @unchecked Sendable {  // librdkafka queues are thread-safe.
    let client: RDKafkaClient
    private let queue: OpaquePointer

    init(client: RDKafkaClient) {
        self.client = client
        self.queue = client.withHandle { rd_kafka_queue_get_consumer($0) }
    }

    deinit {
        rd_kafka_queue_destroy(queue)
    }

    func withQueue<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T { try body(queue) }
}

// MARK: - Rebalance callback

let rdkafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, err, partitions, opaque in
        guard let handle, let partitions else { return }
        let context = RDKafkaCallbackContext.from(opaque)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let topicPartitions = RDKafkaTopicPartitionList.entries(of: partitions).map(\.partition)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            context?.logger.info("partitions assigned", metadata: ["partitions": "\(topicPartitions)"])
            let starts = context?.rebalanceHandler?(.assigned(topicPartitions)) ?? [:]
            if let elements = partitions.pointee.elems {
                for index in 0..<Int(partitions.pointee.cnt) {
                    let element = elements[index]
                    let key = KafkaTopicPartition(String(cString: element.topic), element.partition)
                    if let start = starts[key] { elements[index].offset = start.rawValue }
                }
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) {
                    context?.record(KafkaError.rdkafka(rd_kafka_error_code(error), "incremental assign failed"))
                    rd_kafka_error_destroy(error)
                }
            } else {
                _ = rd_kafka_assign(handle, partitions)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            context?.logger.info("partitions revoked", metadata: ["partitions": "\(topicPartitions)"])
            _ = context?.rebalanceHandler?(.revoked(topicPartitions))
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) { rd_kafka_error_destroy(error) }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
        default:
            context?.record(KafkaError.rdkafka(err, "rebalance failed"))
            _ = rd_kafka_assign(handle, nil)
        }
    }
