/// Metric names and label keys, in one place (Prometheus conventions: base units, `_total` for
/// counters). docs/operations.md lists what each one means.
public enum SluiceMetrics {
    public static let eventsConsumed = "sluice_events_consumed_total"
    public static let eventsAccepted = "sluice_events_accepted_total"
    public static let deadLetters = "sluice_dead_letters_total"
    public static let lateViewUpdatesSkipped = "sluice_late_view_updates_skipped_total"
    public static let alreadyAppliedViewUpdatesSkipped = "sluice_already_applied_view_updates_skipped_total"
    public static let consumerLag = "sluice_consumer_lag_messages"
    public static let batchDuration = "sluice_batch_duration_seconds"
    public static let redisWriteDuration = "sluice_redis_write_duration_seconds"
    public static let batchStaleness = "sluice_batch_staleness_seconds"
    public static let redisFailures = "sluice_redis_failures_total"
    public static let kafkaErrors = "sluice_kafka_errors_total"
    public static let cachedEntities = "sluice_cached_entities"
    public static let assignedPartitions = "sluice_assigned_partitions"
    public static let featureLogRows = "sluice_feature_log_rows_total"
    public static let featureLogFiles = "sluice_feature_log_files_total"
    public static let predictionsLogged = "sluice_predictions_logged_total"
    public static let predictionsDropped = "sluice_predictions_dropped_total"
    /// Per model, variant and version: scores made (served and shadow).
    public static let scores = "sluice_scores_total"
    /// Histogram of the scores, per model, variant and version (buckets of 0.05).
    public static let scoreDistribution = "sluice_score"
    /// Per model, variant and version: the share of routing keys the deployment gives it, in
    /// percent (0 for shadows and versions no longer deployed).
    public static let deploymentShare = "sluice_deployment_share_percent"
    /// Per model and ending (`promoted`, `rolled_back`, `evaluated_failed`, `validated_failed`, ...).
    public static let continuousTrainingRuns = "sluice_ct_runs_total"
    /// Per model: the share of payments the candidate of the run in progress answers (0 in shadow,
    /// -1 with no rollout going on).
    public static let continuousTrainingRollout = "sluice_ct_rollout_percent"
    public static let driftEvents = "sluice_drift_events_total"
    public static let driftLateEvents = "sluice_drift_late_events_total"
    public static let driftRejected = "sluice_drift_rejected_total"
    public static let driftWindows = "sluice_drift_windows_total"
    public static let driftPSI = "sluice_drift_psi"
    public static let driftJS = "sluice_drift_js"
    public static let driftDetected = "sluice_drift_detected"
    public static let driftWindowLag = "sluice_drift_window_lag_seconds"
    public static let driftWatermarkLag = "sluice_drift_watermark_lag_seconds"
    public static let conceptWindows = "sluice_concept_windows_total"
    public static let conceptLatePredictions = "sluice_concept_late_predictions_total"
    /// Per model, variant and version, of the newest judged window.
    public static let conceptROCAUC = "sluice_concept_roc_auc"
    public static let conceptPRAUC = "sluice_concept_pr_auc"
    /// The newest window's PR-AUC minus the version's registered validation PR-AUC.
    public static let conceptPRAUCChange = "sluice_concept_pr_auc_change"
    public static let conceptRecall = "sluice_concept_recall"
    public static let conceptBrier = "sluice_concept_brier"
    public static let conceptCalibrationError = "sluice_concept_calibration_error"
    /// 1 when the newest judged window showed concept drift (P(Y|X) moved, or DDM signalled).
    public static let conceptDetected = "sluice_concept_drift_detected"

    public enum Label {
        public static let reason = "reason"
        public static let partition = "partition"
        public static let view = "view"
        public static let code = "code"
        public static let topic = "topic"
        public static let column = "column"
    }
}
