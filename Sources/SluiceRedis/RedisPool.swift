import Foundation
import Logging
import Synchronization

/// A fixed set of Redis connections, each owned by its own thread, for async callers (HTTP
/// handlers): `run` queues a job, the next free worker runs it with its connection, and the caller
/// resumes with the result. hiredis calls block, so they never run on the caller's executor.
///
/// `execute` is auto-pipelined: the pipelines that callers queued while the workers were busy
/// go out together in one write and come back in one read pass, so under load many requests
/// share a round trip and a pair of system calls.
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

    /// Holds a continuation resumed exactly once by the worker that takes the job.
    private enum Job: @unchecked Sendable {
        case work((RedisConnection?) -> Void)
        case pipeline(RedisPipeline, (Result<[RedisValue], RedisError>) -> Void)
    }

    /// At most this many queued pipelines, and this many commands, are sent together.
    private static let maxPipelinesPerWrite = 64
    private static let maxCommandsPerWrite = 4096

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
            let job = Job.work { connection in
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
            if !enqueue(job) {
                continuation.resume(returning: .failure(RedisError(.connectionFailed, "the Redis pool is shut down")))
            }
        }
        return try result.get()
    }

    /// Sends the pipeline's commands on a pooled connection, together with other queued
    /// pipelines, and returns this pipeline's replies in order (error replies in place).
    public func execute(_ pipeline: RedisPipeline) async throws(RedisError) -> [RedisValue] {
        let result: Result<[RedisValue], RedisError> = await withCheckedContinuation { continuation in
            let job = Job.pipeline(pipeline) { continuation.resume(returning: $0) }
            if !enqueue(job) {
                continuation.resume(returning: .failure(RedisError(.connectionFailed, "the Redis pool is shut down")))
            }
        }
        return try result.get()
    }

    private func enqueue(_ job: Job) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { wakeUp.signal() }
        return accepted
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
            let taken = state.withLock { state -> [Job] in
                guard state.head < state.jobs.count else { return [] }
                var taken = [state.jobs[state.head]]
                state.head += 1
                if case .pipeline(let first, _) = taken[0] {
                    // Queued pipelines behind it ride along in the same write.
                    var commands = first.count
                    while state.head < state.jobs.count, taken.count < Self.maxPipelinesPerWrite,
                        case .pipeline(let next, _) = state.jobs[state.head], commands + next.count <= Self.maxCommandsPerWrite
                    {
                        taken.append(state.jobs[state.head])
                        commands += next.count
                        state.head += 1
                    }
                }
                if state.head > 1024 && state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return taken
            }
            guard !taken.isEmpty else {
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
            switch taken[0] {
            case .work(let work):
                work(connection)
            case .pipeline:
                runPipelines(taken, on: connection)
            }
        }
    }

    private func runPipelines(_ jobs: [Job], on connection: RedisConnection?) {
        var pipelines: [RedisPipeline] = []
        var completions: [(Result<[RedisValue], RedisError>) -> Void] = []
        for job in jobs {
            if case .pipeline(let pipeline, let completion) = job {
                pipelines.append(pipeline)
                completions.append(completion)
            }
        }
        guard let connection else {
            let error = RedisError(.connectionFailed, "Redis at \(configuration.displayURL) is unreachable")
            for completion in completions { completion(.failure(error)) }
            return
        }
        if pipelines.count == 1 {
            do throws(RedisError) {
                completions[0](.success(try connection.execute(pipelines[0])))
            } catch {
                completions[0](.failure(error))
            }
            return
        }
        var combined = RedisPipeline(reservingCapacity: pipelines.reduce(0) { $0 + $1.encoded.count })
        for pipeline in pipelines { combined.appendEncoded(pipeline) }
        do throws(RedisError) {
            let replies = try connection.execute(combined)
            var start = 0
            for (pipeline, completion) in zip(pipelines, completions) {
                completion(.success(Array(replies[start..<(start + pipeline.count)])))
                start += pipeline.count
            }
        } catch {
            for completion in completions { completion(.failure(error)) }
        }
    }
}
