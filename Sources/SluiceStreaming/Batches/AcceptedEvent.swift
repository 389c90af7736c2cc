import SluiceCore

/// An event of a batch that passed admission.
struct AcceptedEvent {
    let partition: Int32
    let offset: Int64
    let event: DecodedEvent
    /// Bit v set: the event is late for view v.
    let late: UInt64
    /// The partition's newest event time after this event: its watermark drives pruning.
    let newestAfter: Int64
}
