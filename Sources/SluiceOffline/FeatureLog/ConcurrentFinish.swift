import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceParquet
import SluiceRuntime

/// Partition logs finishing at once, on every core (`DispatchQueue.concurrentPerform`).
///
/// `@unchecked Sendable`: each task touches only its own log, and results are stored under the
/// lock and read once `concurrentPerform` has returned.
final class ConcurrentFinish: @unchecked Sendable {
    private let logs: [PartitionLog]
    private let lock = NSLock()
    private(set) var results: [Result<[PartitionLog.Finished], any Error>?]

    init(_ logs: [PartitionLog]) {
        self.logs = logs
        results = Array(repeating: nil, count: logs.count)
    }

    func finish(at index: Int) {
        let result = Result { try logs[index].finish() }
        lock.withLock { results[index] = result }
    }
}
