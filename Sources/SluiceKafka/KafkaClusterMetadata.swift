import CRDKafka
import Dispatch
import Logging

/// What the cluster reported about its brokers and topics.
public struct KafkaClusterMetadata: Sendable {
    public struct Broker: Sendable, Hashable {
        public var id: Int32
        public var host: String
        public var port: Int32
    }

    public struct Topic: Sendable, Hashable {
        public var name: String
        public var partitions: [Int32]
    }

    public var brokers: [Broker]
    public var topics: [Topic]

    public func topic(_ name: String) -> Topic? { topics.first { $0.name == name } }
}
