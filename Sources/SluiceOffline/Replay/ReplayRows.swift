import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// The row side of a replay: assembles each batch's rows from the views' features, in batch
/// order, and hands them to the feature log.
final class ReplayRows {
    private let log: FeatureLogWriter
    private let rules: EventRules
    private let outputs: [ReplayViewFeatures]
    private(set) var count = 0
    /// The first error of the feature log; nothing more is written after it.
    private(set) var error: (any Error)?
    private(set) var time = TaskTime()

    init(log: FeatureLogWriter, rules: EventRules, outputs: [ReplayViewFeatures]) {
        self.log = log
        self.rules = rules
        self.outputs = outputs
    }

    func write(_ batch: [ReplayEvent], parity: Int) {
        guard error == nil else { return }
        let started = ContinuousClock.now
        defer { time.record(since: started) }
        for item in batch where item.logsRow {
            var features: [Double?] = []
            features.reserveCapacity(rules.logLayout.featureNames.count)
            for output in outputs { output.append(row: item.row, parity: parity, to: &features) }
            log.append(rules.logRow(item.event, partition: item.partition, offset: item.offset, features: features))
            count += 1
        }
        // Into the Parquet files at once: a task of even size is easier to balance against the
        // views' than one that encodes five batches every fifth time.
        do {
            try log.persistPending()
            try log.commitInFlight()
        } catch {
            self.error = error
        }
    }
}
