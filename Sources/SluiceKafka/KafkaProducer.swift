import CRDKafka
import Dispatch
import Foundation
import Logging
import Synchronization

/// A Kafka producer over librdkafka.
///
/// `send` enqueues a message and awaits its delivery report; `enqueue` does not wait and hands
/// failures to the `deliveryFailureHandler` (for high-rate producing, followed by `flush`).
/// A dedicated thread serves delivery reports; blocking calls (`flush`, `close`) run on a dedicated
/// queue, never on the cooperative thread pool. Call `close()` before dropping the producer: it
/// flushes, then fails whatever could not be delivered, so no awaiting caller is left hanging.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient
    private let pollLoop: PollLoop
    private let blockingQueue = DispatchQueue(label: "sluice.kafka.producer.blocking")
    private let logger: Logger

    /// - Parameter deliveryFailureHandler: called, on the delivery thread, for every message given
    ///   to `enqueue` that could not be delivered.
    public init(
        configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "sluice.kafka.producer"),
        deliveryFailureHandler: (@Sendable (KafkaError) -> Void)? = nil
    ) throws(KafkaError) {
        let context = RDKafkaCallbackContext(logger: logger, deliveryFailureHandler: deliveryFailureHandler)
        self.client = try RDKafkaClient.make(
            kind: .producer, properties: configuration.rdkafkaProperties, context: context)
        self.logger = logger
        self.pollLoop = PollLoop(client: client)
    }

    deinit {
        pollLoop.stop()
    }

    /// The librdkafka version string, e.g. "2.8.0".
    public static var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

    /// Produces `message` and waits for its delivery report.
    public func send(_ message: KafkaProducerMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        let result: Result<KafkaDeliveryReport, KafkaError> = await withCheckedContinuation { continuation in
            let box = DeliveryContinuation(continuation)
            let opaque = Unmanaged.passRetained(box).toOpaque()
            do throws(KafkaError) {
                try produce(message, opaque: opaque, waitWhenFull: false)
            } catch {
                Unmanaged<DeliveryContinuation>.fromOpaque(opaque).release()
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    /// Enqueues `message` without waiting for its delivery. When librdkafka's local queue is full
    /// this waits (blocking the calling thread briefly) until delivery reports free room.
    /// Failures reach the `deliveryFailureHandler`; call `flush` to wait for outstanding messages.
    public func enqueue(_ message: KafkaProducerMessage) throws(KafkaError) {
        try produce(message, opaque: nil, waitWhenFull: true)
    }

    /// Enqueues `message` if librdkafka's local queue has room, else throws `.queueFull` at once:
    /// for producers that must never block (a buffer of their own absorbs the wait).
    public func tryEnqueue(_ message: KafkaProducerMessage) throws(KafkaError) {
        try produce(message, opaque: nil, waitWhenFull: false)
    }

    /// Messages enqueued and not yet delivered or failed.
    public var outstandingCount: Int {
        Int(client.withHandle { rd_kafka_outq_len($0) })
    }

    /// Waits until all outstanding messages are delivered or failed, or `timeout` passes.
    public func flush(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let client = self.client
        let err: rd_kafka_resp_err_t = await withCheckedContinuation { continuation in
            blockingQueue.async {
                continuation.resume(returning: client.withHandle { rd_kafka_flush($0, timeout.millisecondsInt32) })
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(
                err, "flush did not finish within \(timeout): \(outstandingCount) messages still outstanding")
        }
    }

    /// `flush` for callers on a dedicated thread: blocks the calling thread.
    public func flushBlocking(timeout: Duration = .seconds(30)) throws(KafkaError) {
        let err = client.withHandle { rd_kafka_flush($0, timeout.millisecondsInt32) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(
                err, "flush did not finish within \(timeout): \(outstandingCount) messages still outstanding")
        }
    }

    /// Flushes for up to `flushTimeout`, then fails every message still outstanding (their
    /// awaiting `send` calls throw) and stops the delivery thread. The producer cannot be used after.
    public func close(flushTimeout: Duration = .seconds(30)) async {
        do {
            try await flush(timeout: flushTimeout)
        } catch {
            logger.error("closing producer with undelivered messages", metadata: ["error": "\(error)"])
        }
        let client = self.client
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            blockingQueue.async {
                client.withHandle { handle in
                    _ = rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
                    // Serve the purge's delivery reports so awaiting callers are resumed.
                    while rd_kafka_outq_len(handle) > 0 && rd_kafka_poll(handle, 100) >= 0 {}
                    _ = rd_kafka_poll(handle, 0)
                }
                continuation.resume()
            }
        }
        pollLoop.stop()
    }

    // MARK: - Producing

    private func produce(
        _ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer?, waitWhenFull: Bool
    ) throws(KafkaError) {
        if let fatal = client.fatalError() { throw fatal }
        if pollLoop.isStopped { throw KafkaError(.closed, "the producer was closed; create a new one") }
        var attempt = 0
        while true {
            let err = produceOnce(message, opaque: opaque)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL && waitWhenFull {
                // The delivery thread frees room as reports arrive; wait a little for it.
                attempt += 1
                client.withHandle { _ = rd_kafka_poll($0, Int32(min(attempt, 100))) }
                continue
            }
            throw KafkaError.rdkafka(err, "could not enqueue a message for topic '\(message.topic)'")
        }
    }

    private func produceOnce(_ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer?) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer? = nil
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                if let value = header.value {
                    value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.key, -1, $0.baseAddress, $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, header.key, -1, nil, 0)
                }
            }
        }
        let err = client.withHandle { handle in
            message.value.withUnsafeBytes { value in
                withOptionalBytes(message.key) { key in
                    sluice_rd_kafka_produce(
                        handle, message.topic, message.partition ?? RD_KAFKA_PARTITION_UA,
                        key?.baseAddress, key?.count ?? 0, value.baseAddress, value.count,
                        message.timestamp ?? 0, headers, opaque)
                }
            }
        }
        // librdkafka owns the headers only when the message was accepted.
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return err
    }
}

private func withOptionalBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> T) -> T {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

// MARK: - Delivery reports

/// Carries an awaiting `send` through librdkafka as the message's opaque pointer.
private final class DeliveryContinuation {
    let continuation: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>
    init(_ continuation: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>) {
        self.continuation = continuation
    }
}

let rdkafkaDeliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, opaque in
        guard let message = message?.pointee else { return }
        let result: Result<KafkaDeliveryReport, KafkaError>
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            var pointer = message
            let timestamp = rd_kafka_message_timestamp(&pointer, &timestampType)
            result = .success(
                KafkaDeliveryReport(
                    topic: topic, partition: message.partition, offset: message.offset,
                    timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp))
        } else {
            result = .failure(
                KafkaError.rdkafka(
                    message.err, "message to topic '\(topic)' was not delivered", code: .deliveryFailed))
        }
        if let messageOpaque = message._private {
            let box = Unmanaged<DeliveryContinuation>.fromOpaque(messageOpaque).takeRetainedValue()
            box.continuation.resume(returning: result)
        } else if let context = RDKafkaCallbackContext.from(opaque) {
            if case .failure(let error) = result {
                context.logger.warning("message not delivered", metadata: ["error": "\(error)"])
                context.deliveryFailureHandler?(error)
            }
        }
    }

// MARK: - Poll thread

/// A dedicated thread that serves the client's callbacks (delivery reports, errors, logs) until
/// stopped. The thread keeps the client alive while it runs, so the handle is destroyed only after
/// the last poll returned.
final class PollLoop: Sendable {
    private let signal = StopSignal()

    init(client: RDKafkaClient) {
        let signal = self.signal
        let thread = Thread {
            while !signal.isStopped {
                client.withHandle { _ = rd_kafka_poll($0, 100) }
            }
        }
        thread.name = "sluice.kafka.poll"
        thread.start()
    }

    var isStopped: Bool { signal.isStopped }

    func stop() { signal.stop() }
}

/// A one-way flag shared between threads.
final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    func stop() { stopped.store(true, ordering: .releasing) }
}
