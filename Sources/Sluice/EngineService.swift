import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SluiceHTTP
import SluiceRedis
import SluiceStreaming
import UnixSignals

/// The engine as a service: its blocking loop runs on a dedicated thread; graceful shutdown asks
/// it to finish the current batch.
struct EngineService: Service {
    let engine: StreamEngine

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await engine.runOnDedicatedThread()
        } onGracefulShutdown: {
            engine.stop()
        }
    }
}
