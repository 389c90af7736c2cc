import SluiceCore

/// What a batch whose writes are in flight will commit once written.
struct InFlightBatch {
    let progress: [Int32: (nextOffset: Int64, clock: PartitionClock)]
    let consumed: Int
    let accepted: Int
    let deadLetters: [RejectionReason]
    let started: ContinuousClock.Instant
    let writeStarted: ContinuousClock.Instant
    /// The oldest Kafka timestamp (epoch ms) among the batch's messages, if any had one.
    let oldestMessageTime: Int64?
}
