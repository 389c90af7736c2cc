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
    public static let scores = "sluice_scores_total"

    public enum Label {
        public static let reason = "reason"
        public static let partition = "partition"
        public static let view = "view"
        public static let code = "code"
    }
}
