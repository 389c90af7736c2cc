import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceDemo
import SluiceKafka
import SluiceOnlineStore
import SluiceRedis
import SluiceTopology

/// Runs `watch` on a thread of its own; it calls `seen` with each probe card as it shows up,
/// which records the probe's latency the first time.
///
/// `@unchecked Sendable`: its latencies are written by that thread only, and read after joining it.
final class ProbeWatcher: @unchecked Sendable {
    typealias Watch = (_ seen: (String) -> Void) throws -> Void
    private let probes: ProbeBook
    private let watch: Watch
    private var latencies: [Double] = []
    private var failure: (any Error)?
    private let done = DispatchSemaphore(value: 0)

    init(probes: ProbeBook, watch: @escaping Watch) {
        self.probes = probes
        self.watch = watch
    }

    func start() {
        let thread = Thread {
            defer { self.done.signal() }
            do {
                try self.watch { card in
                    let seen = ContinuousClock.now
                    guard let sent = self.probes.resolve(card) else { return }
                    let latency = seen - sent
                    self.latencies.append(
                        Double(latency.components.seconds) * 1000 + Double(latency.components.attoseconds) / 1e15)
                }
            } catch {
                self.failure = error
            }
        }
        thread.start()
    }

    func finish() throws -> [Double] {
        done.wait()
        if let failure { throw failure }
        return latencies
    }
}
