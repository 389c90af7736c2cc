import Metrics
import SluiceDrift
import SluiceRuntime

/// The Prometheus gauges of concept drift, per model, variant and version: the newest judged
/// window's figures (a figure the window cannot give leaves its gauge where it was).
enum ConceptGauges {
    static func record(_ record: ConceptWindowRecord) {
        let dimensions = [
            ("model", record.model), ("variant", record.variant), ("version", String(record.version)),
        ]
        let metrics = record.metrics
        let figures: [(String, Double?)] = [
            (SluiceMetrics.conceptROCAUC, metrics.rocAUC), (SluiceMetrics.conceptPRAUC, metrics.prAUC),
            (SluiceMetrics.conceptPRAUCChange, metrics.changes["pr_auc"]),
            (SluiceMetrics.conceptRecall, metrics.recall), (SluiceMetrics.conceptBrier, metrics.brier),
            (SluiceMetrics.conceptCalibrationError, metrics.expectedCalibrationError),
            (SluiceMetrics.conceptDetected, record.drifted ? 1 : 0),
        ]
        for case (let label, let value?) in figures { Gauge(label: label, dimensions: dimensions).record(value) }
    }
}
