import CRDKafka
import Logging

/// librdkafka's in-process mock Kafka cluster, for fault injection in tests: brokers going down and
/// coming back, request errors, latency. It is not a replacement for a real broker.
public final class KafkaMockCluster: @unchecked Sendable {  // librdkafka's mock API is thread-safe.
    /// A Kafka protocol request type.
    public struct APIKey: Hashable, Sendable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }
        public static let produce = APIKey(rawValue: 0)
        public static let fetch = APIKey(rawValue: 1)
        public static let listOffsets = APIKey(rawValue: 2)
        public static let metadata = APIKey(rawValue: 3)
        public static let offsetCommit = APIKey(rawValue: 8)
        public static let offsetFetch = APIKey(rawValue: 9)
        public static let findCoordinator = APIKey(rawValue: 10)
        public static let joinGroup = APIKey(rawValue: 11)
        public static let heartbeat = APIKey(rawValue: 12)
        public static let syncGroup = APIKey(rawValue: 14)
        public static let initProducerID = APIKey(rawValue: 22)
    }

    /// A broker error code a mock broker can answer with.
    public struct RequestError: Hashable, Sendable {
        let code: rd_kafka_resp_err_t
        public static let notLeaderOrFollower = RequestError(code: RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        public static let leaderNotAvailable = RequestError(code: RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
        public static let requestTimedOut = RequestError(code: RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        public static let notEnoughReplicas = RequestError(code: RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        public static let coordinatorNotAvailable = RequestError(code: RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        public static let notCoordinator = RequestError(code: RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        public static let topicAuthorizationFailed = RequestError(code: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        public static let messageTooLarge = RequestError(code: RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    }

    private let client: RDKafkaClient
    private let cluster: OpaquePointer

    public init(brokers: Int = 3, logger: Logger = Logger(label: "sluice.kafka.mock")) throws(KafkaError) {
        client = try RDKafkaClient.make(
            kind: .producer, properties: [("bootstrap.servers", "")], context: RDKafkaCallbackContext(logger: logger))
        guard let cluster = client.withHandle({ rd_kafka_mock_cluster_new($0, Int32(brokers)) }) else {
            throw KafkaError(.configuration, "librdkafka could not start a mock cluster of \(brokers) brokers")
        }
        self.cluster = cluster
    }

    deinit {
        // The cluster lives in its client's threads: destroy it first.
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// The bootstrap servers to give clients, e.g. "127.0.0.1:40123,127.0.0.1:40125".
    public var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, "mock topic '\(name)'") }
    }

    /// Disconnects broker `id` (1-based) and refuses new connections until `setBrokerUp`.
    public func setBrokerDown(_ id: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster, id)
    }

    public func setBrokerUp(_ id: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster, id)
    }

    /// Adds round-trip latency to broker `id`.
    public func setRoundTripTime(_ rtt: Duration, broker id: Int32) {
        _ = rd_kafka_mock_broker_set_rtt(cluster, id, rtt.millisecondsInt32)
    }

    /// The next requests of type `apiKey`, on any broker, fail with `errors`, one each, in order.
    public func pushRequestErrors(_ apiKey: APIKey, _ errors: [RequestError]) {
        let codes = errors.map(\.code)
        codes.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, $0.count, $0.baseAddress)
        }
    }
}
