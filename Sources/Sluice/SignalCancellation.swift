import UnixSignals

/// Runs work that stops by cancellation when the process gets SIGTERM or SIGINT: commands whose
/// work is resumable at any point (a continuous-training run) and that return a result.
public enum SignalCancellation {
    /// The body's result; CancellationError when a signal came first.
    public static func run<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) async throws -> Value
    {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { return nil }
                return nil
            }
            defer { group.cancelAll() }
            while let finished = try await group.next() {
                guard let value = finished else { throw CancellationError() }
                return value
            }
            throw CancellationError()
        }
    }
}
