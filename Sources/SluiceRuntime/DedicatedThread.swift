import Foundation

/// Runs blocking work (librdkafka polls, hiredis reads, CPU-bound batches) on a thread of its
/// own, never on Swift's cooperative pool, and awaits its result.
public enum DedicatedThread {
    /// The stack size of the threads it starts: deep enough for the engine's recursion-free but
    /// frame-heavy batch code.
    public static let stackSize = 8 << 20

    /// Runs `body` on a new thread named `name` and returns what it returns (or throws what it
    /// throws) once it finishes.
    public static func run<Result: Sendable>(
        name: String, _ body: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            let thread = Thread {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.stackSize = stackSize
            thread.start()
        }
    }
}
