import SluiceKafka
import SluiceOnlineStore
import Synchronization

/// Rebalance events from the consumer's callback, handed to the engine loop after each poll.
final class RebalanceInbox: Sendable {
    enum Notice: Sendable {
        /// With the partitions' stored progress, if it could be read when they were assigned
        /// (their fetching then starts there).
        case assigned([KafkaTopicPartition], stored: [Int32: StoredProgress]?)
        case revoked([KafkaTopicPartition])
    }

    private let events = Mutex<[Notice]>([])
    func append(_ event: Notice) { events.withLock { $0.append(event) } }
    func drain() -> [Notice] { events.withLock { events in defer { events.removeAll() }; return events } }
    var hasEvents: Bool { events.withLock { !$0.isEmpty } }
}
