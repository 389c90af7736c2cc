import Logging
import ServiceLifecycle
import SluiceDriftMonitor
import SluiceRegistry
import Synchronization

/// `sluice drift run --reference-model NAME@ALIAS`: runs a drift monitor against the training set
/// of the version the alias points to and, every `interval`, resolves the alias again; when it
/// moved, the monitor stops and starts over against the new version's training set. Windows
/// that close from then on compare with the new reference (the monitor's fingerprint changes; the
/// source partitions resume where they were published).
struct FollowingDriftMonitorService: Service {
    let reference: ModelReference
    let registry: Registry
    let interval: Duration
    let makeMonitor: @Sendable (ModelTrainingReference) async throws -> DriftMonitor
    let logger: Logger

    private final class Current: Sendable {
        let monitor = Mutex<DriftMonitor?>(nil)
        let stopping = Atomic<Bool>(false)
    }

    func run() async throws {
        let current = Current()
        try await withGracefulShutdownHandler {
            var resolved = try await ModelTrainingReference.resolve(reference, in: registry)
            while !current.stopping.load(ordering: .relaxed) {
                let monitor = try await makeMonitor(resolved)
                current.monitor.withLock { $0 = monitor }
                logger.info(
                    "drift reference: the training set of \(resolved.model) version \(resolved.version) (\(reference))",
                    metadata: ["path": "\(resolved.path)"])
                let version = resolved.version
                let moved = try await withThrowingTaskGroup(of: ModelTrainingReference?.self) { group in
                    group.addTask {
                        try await monitor.run()
                        return nil
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: interval)
                            do {
                                let now = try await ModelTrainingReference.resolve(reference, in: registry)
                                if now.version != version { return now }
                            } catch {
                                logger.warning(
                                    "drift reference: cannot resolve \(reference) (keeping version \(version)): \(error)"
                                )
                            }
                        }
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    monitor.stop()
                    group.cancelAll()
                    while (try await group.next()) != nil {}
                    return first
                }
                guard let moved else { break }  // the monitor ended (stopped, or --until-idle)
                logger.info(
                    "drift reference: \(reference) moved from version \(resolved.version) to \(moved.version); restarting the monitor"
                )
                resolved = moved
            }
        } onGracefulShutdown: {
            current.stopping.store(true, ordering: .relaxed)
            current.monitor.withLock { $0?.stop() }
        }
    }
}
