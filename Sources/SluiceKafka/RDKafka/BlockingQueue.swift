import Dispatch

extension DispatchQueue {
    /// Runs a blocking librdkafka call on this queue (never the cooperative pool) and awaits it.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            self.async { continuation.resume(returning: Result(catching: body)) }
        }
        return try result.get()
    }
}
