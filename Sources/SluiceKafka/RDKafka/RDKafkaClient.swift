import CRDKafka
import Logging
import Synchronization

/// Owns one `rd_kafka_t` handle and the context its callbacks reach through the opaque pointer.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe for every call this module makes,
/// and the handle is only destroyed in `deinit`, when no other reference exists.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer, consumer

        var rdkafkaType: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    private let handle: OpaquePointer
    let context: RDKafkaCallbackContext
    private let unmanagedContext: Unmanaged<RDKafkaCallbackContext>

    /// Builds a configured handle; on failure frees everything it created and throws.
    static func make(
        kind: Kind, properties: [(String, String)], context: RDKafkaCallbackContext
    ) throws(KafkaError) -> RDKafkaClient {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.configuration, "librdkafka could not allocate a configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    .configuration,
                    "librdkafka rejected property \(key)=\(value): \(String(cBuffer: errorText))")
            }
        }
        let unmanaged = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, unmanaged.toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdkafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdkafkaErrorCallback)
        if kind == .producer {
            rd_kafka_conf_set_dr_msg_cb(conf, rdkafkaDeliveryReportCallback)
        } else {
            rd_kafka_conf_set_rebalance_cb(conf, rdkafkaRebalanceCallback)
        }
        // On success rd_kafka_new takes ownership of conf; on failure it is still ours.
        guard let handle = rd_kafka_new(kind.rdkafkaType, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            unmanaged.release()
            throw KafkaError(.configuration, "librdkafka could not create a client: \(String(cBuffer: errorText))")
        }
        return RDKafkaClient(handle: handle, context: unmanaged)
    }

    private init(handle: OpaquePointer, context: Unmanaged<RDKafkaCallbackContext>) {
        self.handle = handle
        self.unmanagedContext = context
        self.context = context.takeUnretainedValue()
    }

    deinit {
        rd_kafka_destroy(handle)
        unmanagedContext.release()
    }

    /// Calls `body` with the raw handle, which must not escape the closure.
    func withHandle<T, E: Error>(_ body: (OpaquePointer) throws(E) -> T) throws(E) -> T {
        try body(handle)
    }

    /// The fatal error librdkafka recorded, if any (an idempotent producer can hit one).
    func fatalError() -> KafkaError? {
        // Asked first without a buffer: this runs before every message produced.
        guard rd_kafka_fatal_error(handle, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        var text = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &text, text.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            .fatal, "fatal client error, the client must be recreated: \(String(cBuffer: text))",
            rdkafkaErrorName: String(cString: rd_kafka_err2name(err)))
    }
}

/// What librdkafka's callbacks reach through the configuration's opaque pointer.
///
/// Callbacks run on whichever thread serves the queue (poll threads, librdkafka's own threads for
/// logs), so the only mutable state is behind a mutex.
final class RDKafkaCallbackContext: Sendable {
    let logger: Logger
    let rebalanceHandler: KafkaRebalanceHandler?
    /// Client errors reported by the error callback and not yet handed to the caller.
    private let pendingErrors = Mutex<[KafkaError]>([])
    /// Called for each failed delivery of a message sent without an awaiting caller.
    let deliveryFailureHandler: (@Sendable (KafkaError) -> Void)?

    init(
        logger: Logger, rebalanceHandler: KafkaRebalanceHandler? = nil,
        deliveryFailureHandler: (@Sendable (KafkaError) -> Void)? = nil
    ) {
        self.logger = logger
        self.rebalanceHandler = rebalanceHandler
        self.deliveryFailureHandler = deliveryFailureHandler
    }

    func record(_ error: KafkaError) {
        pendingErrors.withLock { errors in
            // Keep memory bounded when nobody drains (e.g. a producer whose errors are only logged).
            if errors.count >= 1000 { errors.removeFirst(errors.count - 999) }
            errors.append(error)
        }
    }

    func drainErrors() -> [KafkaError] {
        pendingErrors.withLock { errors in
            defer { errors.removeAll(keepingCapacity: true) }
            return errors
        }
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbackContext? {
        opaque.map { Unmanaged<RDKafkaCallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

// MARK: - C callbacks

private let rdkafkaLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        handle, level, facility, message in
        guard let handle, let context = RDKafkaCallbackContext.from(rd_kafka_opaque(handle)) else { return }
        let logLevel: Logger.Level =
            switch level {
            // librdkafka logs refused connections at LOG_ERR; the error callback reports them too.
            case 0...2: .error
            case 3, 4: .warning
            case 5, 6: .info
            default: .debug
            }
        context.logger.log(
            level: logLevel, "\(message.map { String(cString: $0) } ?? "")",
            metadata: ["rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")"])
    }

private let rdkafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, code, reason, opaque in
        guard let context = RDKafkaCallbackContext.from(opaque) else { return }
        let err = rd_kafka_resp_err_t(rawValue: code)
        let reasonText = reason.map { String(cString: $0) } ?? ""
        let error = KafkaError.rdkafka(err, reasonText)
        context.logger.warning("kafka client error", metadata: ["error": "\(error)"])
        context.record(error)
    }
