import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceDemo
import SluiceKafka
import SluiceOnlineStore
import SluiceRedis
import SluiceTopology

/// Probes sent and not yet seen.
///
/// `@unchecked Sendable`: every access to its state holds its lock.
final class ProbeBook: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [String: ContinuousClock.Instant] = [:]
    private var closed = false

    func add(_ card: String, sent: ContinuousClock.Instant) {
        lock.lock()
        open[card] = sent
        lock.unlock()
    }
    /// Marks the probe seen and returns when it was sent, or nil if it was not pending.
    func resolve(_ card: String) -> ContinuousClock.Instant? {
        lock.lock()
        defer { lock.unlock() }
        return open.removeValue(forKey: card)
    }
    func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }
    var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }
    var unresolvedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return open.count
    }
}
