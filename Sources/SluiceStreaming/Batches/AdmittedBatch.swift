import SluiceCore
import SluiceKafka

/// A batch's messages after admission: the accepted events in consumption order, the rejected
/// ones bound for the dead-letter topic, and what the appliers note about them.
struct AdmittedBatch {
    var accepted: [AcceptedEvent] = []
    /// Without the feature log: the cache slot of accepted event r's entity of view v at
    /// r × views + v, in the event's partition (-1 where the event is late for the view).
    var entitySlots: [Int32] = []
    var deadLetters: [(message: KafkaConsumerMessage, rejection: Rejection)] = []
    var touchedPartitions = Set<Int32>()
    /// Messages taken from the partitions' positions (accepted or rejected).
    var consumed = 0
}
