import ServiceLifecycle

/// The change-feed relay as a service of `sluice serve`: publishes new registry events until
/// graceful shutdown.
struct RegistryFeedService: Service {
    let publisher: RegistryFeedPublisher

    func run() async throws {
        try await cancelWhenGracefulShutdown { await publisher.run() }
    }
}
