import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// Messages of one partition waiting to be merged.
final class ReplayMessageQueue {
    private var messages: [KafkaConsumerMessage] = []
    private var start = 0
    /// The offset at which the partition reported its end, once it did.
    var endOffset: Int64?
    /// The `--to` time was reached: nothing more is taken from this partition.
    var finished = false
    private var nextOffset: Int64?

    var head: KafkaConsumerMessage? { start < messages.count ? messages[start] : nil }

    var buffered: Int { messages.count - start }

    /// More messages may come (the opposite of `isDone` while nothing is buffered).
    var expectsMore: Bool {
        if finished { return false }
        guard let endOffset else { return true }
        return nextOffset.map { $0 < endOffset } ?? false
    }

    /// Nothing buffered and nothing more to come.
    var isDone: Bool {
        guard head == nil else { return false }
        if finished { return true }
        guard let endOffset else { return false }
        return nextOffset.map { $0 >= endOffset } ?? true
    }

    func append(_ message: KafkaConsumerMessage) {
        messages.append(message)
        nextOffset = message.offset + 1
    }

    func pop() -> KafkaConsumerMessage {
        let message = messages[start]
        start += 1
        if start > 4096 && start * 2 > messages.count {
            messages.removeFirst(start)
            start = 0
        }
        return message
    }

    /// Messages buffered or read so far.
    var readUpTo: Int64? { nextOffset }
}
