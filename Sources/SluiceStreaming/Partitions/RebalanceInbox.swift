import Logging
import SluiceKafka
import SluiceOnlineStore
import SluiceRedis
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
    func drain() -> [Notice] {
        events.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }
    var hasEvents: Bool { events.withLock { !$0.isEmpty } }
}

extension RebalanceInbox {
    /// The consumer's rebalance handler: notes each event for the loop, and for an assignment
    /// returns the partitions' stored offsets so that fetching starts there.
    ///
    /// It runs inside `poll`, on the engine's thread, and does I/O on purpose: it first lets a
    /// write in flight land, so that partitions never change hands while their last batch is on
    /// the wire, and it reads the new partitions' progress from Redis (one HMGET, only on a live
    /// connection: reconnecting there would hold the group up). Starting at the stored offset
    /// saves the committed-offset lookup and the seek after it, which against Tansu often held
    /// the first fetch back a second. Without an answer from Redis the loop positions the
    /// partitions later.
    static func callback(
        inbox: RebalanceInbox, writer: RedisWriterLane, storedProgress: StoredProgressReader, logger: Logger
    ) -> KafkaRebalanceHandler {
        { event in
            writer.waitIfBusy()
            switch event {
            case .revoked(let revoked):
                inbox.append(.revoked(revoked))
                return [:]
            case .assigned(let assigned):
                let stored: [Int32: StoredProgress]?
                do {
                    stored = try storedProgress.readIfConnected(partitions: assigned.map(\.partition))
                } catch {
                    logger.warning(
                        "cannot read the stored offsets while partitions are assigned; positioning them later",
                        metadata: ["error": "\(error)"])
                    if error is RedisError { writer.reconnectBeforeNextWrite() }
                    stored = nil
                }
                inbox.append(.assigned(assigned, stored: stored))
                guard let stored else { return [:] }
                var starts: [KafkaTopicPartition: KafkaOffset] = [:]
                for topicPartition in assigned {
                    if let progress = stored[topicPartition.partition] {
                        starts[topicPartition] = .exact(progress.nextOffset)
                    }
                }
                return starts
            }
        }
    }
}
