import Synchronization

/// Set once to ask the engine loop to stop; read by the loop between batches.
final class EngineStopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    func stop() { stopped.store(true, ordering: .releasing) }
}
