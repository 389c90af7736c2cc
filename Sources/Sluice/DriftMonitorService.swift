import ServiceLifecycle
import SluiceDriftMonitor

/// The drift monitor as a service: its loop runs on a dedicated thread; graceful shutdown asks it
/// to stop after the current step (open windows are read again by the next run).
struct DriftMonitorService: Service {
    let monitor: DriftMonitor

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await monitor.run()
        } onGracefulShutdown: {
            monitor.stop()
        }
    }
}
