import ServiceLifecycle

/// The prediction log as a service of `sluice serve`: reports dropped records until graceful
/// shutdown, then flushes the producer's queue.
struct PredictionLogService: Service {
    let log: PredictionLog

    func run() async throws {
        try await cancelWhenGracefulShutdown { await log.run() }
    }
}
