import ServiceLifecycle

/// The prediction log's writer as a service of `sluice serve`: runs until graceful shutdown, then
/// hands what is buffered to the producer and flushes it.
struct PredictionLogService: Service {
    let log: PredictionLog

    func run() async throws {
        try await cancelWhenGracefulShutdown { await log.run() }
    }
}
