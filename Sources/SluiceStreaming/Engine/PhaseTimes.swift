import Logging
import SluiceRuntime

/// Time the engine spent per batch phase, logged at the end of a run (debug level).
struct PhaseTimes {
    var decode: Duration = .zero
    var load: Duration = .zero
    var apply: Duration = .zero
    var write: Duration = .zero
    /// In `consumer.poll`, and waiting for the previous batch's write to land.
    var poll: Duration = .zero
    var waitForWrite: Duration = .zero
    /// The largest batch staleness seen (see `sluice_batch_staleness_seconds`).
    var stalenessMax: Duration = .zero

    var metadata: Logger.Metadata {
        [
            "decode": "\(decode)", "load": "\(load)", "apply_and_encode": "\(apply)", "redis_write": "\(write)",
            "poll": "\(poll)",
            "wait_for_write": "\(waitForWrite)", "staleness_max": "\(stalenessMax)",
        ]
    }
}
