import Dispatch
import Foundation
import SluiceRedis

/// Writes one batch transaction at a time on a connection and thread of its own, so the engine
/// can decode and apply batch N+1 while batch N's MULTI/EXEC is on the wire.
///
/// `@unchecked Sendable`: the connection is only used on `queue`; `outcome` is written on `queue`
/// before `done` is signalled and read by the engine thread only after waiting on `done`.
final class RedisWriterLane: @unchecked Sendable {
    private let connection: any RedisCommandClient
    private let queue = DispatchQueue(label: "sluice.engine.writer")
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Outcome?
    /// A transaction was submitted and its outcome not yet collected (engine thread only).
    private(set) var isBusy = false
    private var collected: Outcome?

    /// A write's result, when its last reply arrived, and the pipelines written (handed back so
    /// their buffers can be reused).
    typealias Outcome = (result: Result<Void, any Error>, finished: WriteFinished, parts: [RedisPipeline])

    /// When a write's last reply arrived: its state was readable from then on, however much later
    /// the engine collected the outcome (a live engine does so when the next batch comes).
    struct WriteFinished {
        let instant: ContinuousClock.Instant
        /// Wall-clock time, epoch milliseconds (to compare with producers' message timestamps).
        let epochMillis: Int64
    }

    init(connection: any RedisCommandClient) {
        self.connection = connection
    }

    /// Starts writing the commands of `parts` in order, as one MULTI/EXEC when `atomically`, else
    /// as a plain pipeline that Redis interleaves with other clients' commands, the last part (the
    /// batch's progress) only once the others took effect (docs/storage.md). The previous write
    /// must have been collected.
    func submit(_ parts: [RedisPipeline], atomically: Bool) {
        precondition(!isBusy, "collect the previous write first")
        isBusy = true
        collected = nil
        queue.async {
            let result: Result<Void, any Error>
            do {
                if atomically {
                    _ = try self.connection.transaction(parts: parts)
                } else if let message = try self.connection.execute(
                    parts: Array(parts.dropLast()), thenDurably: parts.last ?? RedisPipeline()
                ).lazy.compactMap(\.errorMessage).first {
                    throw RedisError(.serverError, "a batch write was refused: \(message)", serverMessage: message)
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            let finished = WriteFinished(
                instant: .now, epochMillis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
            self.outcome = (result, finished, parts)
            self.done.signal()
        }
    }

    /// Makes the next write start on a new connection. For when the engine's other connection
    /// found Redis gone: this one's socket is most likely dead too, and would otherwise only
    /// say so by failing the next batch, which is then processed (and dead-lettered) again.
    func reconnectBeforeNextWrite() {
        queue.async { self.connection.disconnect() }
    }

    /// Blocks until the submitted transaction is written or failed, keeping its outcome for
    /// `collect()`. Safe to call when nothing is in flight.
    func waitIfBusy() {
        guard isBusy, collected == nil else { return }
        done.wait()
        collected = outcome
        outcome = nil  // the parts' buffers must be uniquely referenced to be reused
    }

    /// The outcome of the submitted transaction and when it finished (waiting for it if needed);
    /// nil when none.
    func collect() -> Outcome? {
        guard isBusy else { return nil }
        waitIfBusy()
        isBusy = false
        defer { collected = nil }
        return collected
    }
}
