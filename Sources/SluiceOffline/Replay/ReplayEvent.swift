import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// An accepted event of a replay batch, with what the merge decided about it.
struct ReplayEvent: Sendable {
    var event: DecodedEvent
    var partition: Int32
    /// The partition's index among the topic's partitions in ascending order.
    var slot: Int
    var offset: Int64
    var lateMask: UInt64
    /// The partition's newest event time once this event is counted (its watermark for pruning).
    var newestEventTime: Int64
    /// The event's row among the batch's rows, or -1 when it logs none (warm-up before --from).
    var row: Int
    /// The shard of the event's entity of view v in bits 8v..<8v+8, found once by the merge
    /// rather than by every shard of every view; `ReplayEvent.noShards` when they do not fit
    /// (over 8 views or 256 shards: each shard then hashes the entity itself).
    var shardOfViews: UInt64
    var logsRow: Bool { row >= 0 }

    static let noShards = UInt64.max
    static let maxPackedViews = 8

    /// The shard of the event's entity of `view`, when packed.
    func shard(ofView view: Int) -> Int { Int((shardOfViews >> UInt64(8 * view)) & 0xFF) }
}
