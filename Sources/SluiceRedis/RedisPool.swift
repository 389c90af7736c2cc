import Foundation
import Logging
import Synchronization

/// A fixed set of Redis connections, each owned by its own thread, for async callers (HTTP
/// handlers): `execute` queues a pipeline, the next free worker sends it on its connection, and
/// the caller resumes with the replies. hiredis calls block, so they never run on the caller's
/// executor.
///
/// Auto-pipelined: the pipelines that callers queued while the workers were busy go out together
/// in one write and come back in one read pass, so under load many requests share a round trip
/// and a pair of system calls.
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

    /// A queued pipeline; `complete` resumes the caller's continuation, exactly once.
    private struct Job: @unchecked Sendable {
        let pipeline: RedisPipeline
        let complete: (Result<[RedisValue], RedisError>) -> Void
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

    /// Sends the pipeline's commands on a pooled connection, together with other queued
    /// pipelines, and returns this pipeline's replies in order (error replies in place).
    public func execute(_ pipeline: RedisPipeline) async throws(RedisError) -> [RedisValue] {
        let result: Result<[RedisValue], RedisError> = await withCheckedContinuation { continuation in
            let job = Job(pipeline: pipeline) { continuation.resume(returning: $0) }
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
            let taken = state.withLock { state -> [Job] in
                // The first queued job, and those behind it that fit in the same write.
                var taken: [Job] = []
                var commands = 0
                while state.head < state.jobs.count, taken.count < Self.maxPipelinesPerWrite {
                    let next = state.jobs[state.head]
                    guard taken.isEmpty || commands + next.pipeline.count <= Self.maxCommandsPerWrite else { break }
                    taken.append(next)
                    commands += next.pipeline.count
                    state.head += 1
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
            run(taken, on: connection)
        }
    }

    private func run(_ jobs: [Job], on connection: RedisConnection?) {
        guard let connection else {
            let error = RedisError(.connectionFailed, "Redis at \(configuration.displayURL) is unreachable")
            for job in jobs { job.complete(.failure(error)) }
            return
        }
        var combined = jobs[0].pipeline
        if jobs.count > 1 {
            combined = RedisPipeline(reservingCapacity: jobs.reduce(0) { $0 + $1.pipeline.encoded.count })
            for job in jobs { combined.appendEncoded(job.pipeline) }
        }
        do throws(RedisError) {
            let replies = try connection.execute(combined)
            var start = 0
            for job in jobs {
                job.complete(.success(Array(replies[start..<(start + job.pipeline.count)])))
                start += job.pipeline.count
            }
        } catch {
            for job in jobs { job.complete(.failure(error)) }
        }
    }
}
