import Foundation
import Logging
import Synchronization

/// A fixed set of Redis connections, each owned by its own thread, for async callers (HTTP
/// handlers): `run` queues a job, the next free worker runs it with its connection, and the caller
/// resumes with the result. hiredis calls block, so they never run on the caller's executor.
///
/// A worker whose connection broke reconnects on its next job, with the configuration's (short)
/// reconnect policy; a job that finds Redis down fails with `connectionFailed` rather than waiting.
public final class RedisPool: Sendable {
    public let configuration: RedisConfiguration
    public let size: Int
    private let state = Mutex(PoolState())
    private let wakeUp: DispatchSemaphore
    private let logger: Logger

    private struct PoolState {
        var jobs: [Job] = []
        var head = 0
        var stopped = false
    }

    private struct Job: @unchecked Sendable {
        // Holds a continuation resumed exactly once by the worker that takes the job.
        let work: (RedisConnection?) -> Void
    }

    public init(configuration: RedisConfiguration, size: Int, logger: Logger = Logger(label: "sluice.redis.pool")) {
        precondition(size > 0)
        self.configuration = configuration
        self.size = size
        self.logger = logger
        self.wakeUp = DispatchSemaphore(value: 0)
        for index in 0..<size {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "sluice.redis.\(index)"
            thread.start()
        }
    }

    /// Runs `body` with a pooled connection on a worker thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T) async throws(RedisError) -> T {
        let result: Result<T, RedisError> = await withCheckedContinuation { continuation in
            let job = Job { connection in
                guard let connection else {
                    continuation.resume(returning: .failure(RedisError(.connectionFailed, "Redis at \(self.configuration.displayURL) is unreachable")))
                    return
                }
                do throws(RedisError) {
                    continuation.resume(returning: .success(try body(connection)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            let accepted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.jobs.append(job)
                return true
            }
            if accepted {
                wakeUp.signal()
            } else {
                continuation.resume(returning: .failure(RedisError(.connectionFailed, "the Redis pool is shut down")))
            }
        }
        return try result.get()
    }

    /// Stops the workers once the queued jobs are done.
    public func shutdown() {
        state.withLock { $0.stopped = true }
        for _ in 0..<size { wakeUp.signal() }
    }

    private func workerLoop() {
        var connection: RedisConnection?
        while true {
            wakeUp.wait()
            let next = state.withLock { state -> Job? in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 1024 && state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            guard let job = next else {
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            if connection == nil {
                do {
                    connection = try RedisConnection(configuration: configuration, logger: logger)
                } catch {
                    logger.warning("pooled Redis connection failed", metadata: ["error": "\(error)"])
                }
            }
            job.work(connection)
        }
    }
}
