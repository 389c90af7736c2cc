import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

extension FeatureAPI {
    /// Runs Swift concurrency's jobs on NIO's event loops, so a request's handler, its Redis
    /// round trip and its response never hop to the separate concurrency thread pool and back.
    /// Call once, before serving; returns whether it took effect.
    @discardableResult
    public static func runConcurrencyOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
