import Foundation
import Logging
import SluiceDelta

/// Writes a table's checkpoints on a serial queue of their own, so that the thread that commits
/// (the engine's) never waits for one. A checkpoint that fails is logged as a warning and
/// changes nothing else: its commit stands, and readers read the JSON commits instead.
public final class BackgroundCheckpoints: Sendable {
    private let table: DeltaTable
    private let logger: Logger
    private let queue = DispatchQueue(label: "sluice.delta.checkpoints")

    public init(table: DeltaTable, logger: Logger) {
        self.table = table
        self.logger = logger
    }

    /// Writes the checkpoint of `snapshot` soon, if its version is due one.
    public func submit(_ snapshot: DeltaSnapshot) {
        guard DeltaTable.isCheckpointDue(snapshot.version) else { return }
        queue.async { [table, logger] in
            let started = ContinuousClock.now
            do {
                let written = try table.writeCheckpoint(
                    snapshot, now: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
                logger.debug(
                    "table checkpoint written",
                    metadata: [
                        "version": "\(snapshot.version)", "actions": "\(written.rows)", "bytes": "\(written.bytes)",
                        "milliseconds": "\((ContinuousClock.now - started) / .milliseconds(1))",
                    ])
            } catch {
                logger.warning(
                    "table checkpoint not written; readers read the JSON commits instead",
                    metadata: ["table": "\(table.path)", "version": "\(snapshot.version)", "error": "\(error)"])
            }
        }
    }

    /// Returns once every checkpoint submitted so far is written (or has failed).
    public func wait() { queue.sync {} }
}
