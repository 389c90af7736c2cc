import Synchronization

/// Rebalance events a consumer's callback noted during a poll, for the monitor's loop to apply
/// after it: the callback runs inside `poll`, where the loop's state must not change.
final class RebalanceNotices<Notice: Sendable>: Sendable {
    private let notices = Mutex<[Notice]>([])

    func append(_ notice: Notice) { notices.withLock { $0.append(notice) } }

    func drain() -> [Notice] {
        notices.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }
}
