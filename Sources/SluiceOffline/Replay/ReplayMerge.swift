import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// The merge side of a replay: the partitions' queues and event-time clocks. Decodes batches in
/// (Kafka timestamp, partition, offset) order, an order fixed by the topic's contents, and
/// decides lateness there, so that every view sees the same events.
final class ReplayMerge {
    private(set) var queues: [Int32: ReplayMessageQueue] = [:]
    private var slots: [Int32: Int] = [:]
    private var clocks: [PartitionClock]
    private let consumer: KafkaConsumer
    private let pollMessages: Int
    private let logger: Logger
    /// The first error of the consumer; nothing more is read after it.
    private(set) var error: (any Error)?
    private let admission: EventAdmission
    private let rules: EventRules
    private let shards: Int
    private let end: ReplayConfiguration.End
    private let isInRowRange: (KafkaConsumerMessage) -> Bool
    private(set) var messages = 0
    private(set) var rejected: [RejectionReason: Int] = [:]
    /// The batch `decodeNext` decoded.
    private(set) var batch: [ReplayEvent] = []
    private(set) var time = TaskTime()

    init(
        partitions: [Int32], consumer: KafkaConsumer, pollMessages: Int, logger: Logger, decoder: EventDecoder,
        rules: EventRules,
        shards: Int, end: ReplayConfiguration.End, isInRowRange: @escaping (KafkaConsumerMessage) -> Bool
    ) {
        self.shards = shards
        self.consumer = consumer
        self.pollMessages = pollMessages
        self.logger = logger
        for (slot, partition) in partitions.sorted().enumerated() {
            slots[partition] = slot
            queues[partition] = ReplayMessageQueue()
        }
        clocks = Array(repeating: PartitionClock(), count: partitions.count)
        self.admission = EventAdmission(decoder: decoder, rules: rules)
        self.rules = rules
        self.end = end
        self.isInRowRange = isInRowRange
    }

    /// Reads what the consumer has (waiting up to `timeout` for the first message) into the queues.
    func poll(timeout: Duration) throws {
        let polled = try consumer.poll(maxMessages: pollMessages, timeout: timeout)
        for error in polled.errors {
            logger.warning("kafka: \(error.message)", metadata: ["code": "\(error.code)"])
        }
        for message in polled.messages {
            guard let queue = queues[message.partition], !queue.finished else { continue }
            if case .time(let end) = end, message.timestamp.map({ $0 >= end }) == true {
                queue.finished = true
                continue
            }
            queue.append(message)
        }
        for (topicPartition, offset) in polled.reachedEnd {
            queues[topicPartition.partition]?.endOffset = offset
        }
    }

    /// Some partition may have more messages and has less than a batch buffered.
    var needsMessages: Bool { queues.values.contains { $0.expectsMore && $0.buffered < Replay.batchSize } }

    var isDone: Bool { queues.values.allSatisfy(\.isDone) }

    /// Decodes up to `limit` messages into `batch`: the oldest head while every unfinished
    /// partition has one (or has ended).
    func decodeNext(limit: Int) {
        let started = ContinuousClock.now
        defer { time.record(since: started) }
        batch.removeAll(keepingCapacity: true)
        if error == nil && needsMessages {
            do { try poll(timeout: .zero) } catch { self.error = error }
        }
        var rows = 0
        while batch.count < limit, let next = Self.nextMessage(queues) {
            let message = next.pop()
            messages += 1
            let slot = slots[message.partition]!
            let verdict = message.value.withUnsafeBytes {
                admission.admit($0, messageTimestamp: message.timestamp, clock: &clocks[slot])
            }
            switch verdict {
            case .failure(let rejection):
                rejected[rejection.reason, default: 0] += 1
            case .success(let accepted):
                var row = -1
                if isInRowRange(message) {
                    row = rows
                    rows += 1
                }
                batch.append(
                    ReplayEvent(
                        event: accepted.event, partition: message.partition, slot: slot, offset: message.offset,
                        lateMask: accepted.lateMask, newestEventTime: accepted.newestEventTime, row: row,
                        shardOfViews: shardOfViews(accepted.event)))
            }
        }
    }

    private func shardOfViews(_ event: DecodedEvent) -> UInt64 {
        guard shards > 1, shards <= 256, rules.layouts.count <= ReplayEvent.maxPackedViews else {
            return ReplayEvent.noShards
        }
        var packed: UInt64 = 0
        for view in rules.layouts.indices {
            packed |= (StableHash.hash(rules.entity(of: event, view: view)) % UInt64(shards)) << UInt64(8 * view)
        }
        return packed
    }

    /// The queue whose head comes first in (timestamp, partition, offset) order, or nil when some
    /// unfinished partition has no message buffered yet (its next one might come first).
    private static func nextMessage(_ queues: [Int32: ReplayMessageQueue]) -> ReplayMessageQueue? {
        var best: ReplayMessageQueue?
        var bestKey: (Int64, Int32, Int64)?
        for (partition, queue) in queues {
            guard let head = queue.head else {
                if queue.isDone { continue }
                return nil
            }
            let key = (head.timestamp ?? .min, partition, head.offset)
            if bestKey.map({ key < $0 }) ?? true {
                best = queue
                bestKey = key
            }
        }
        return best
    }
}
