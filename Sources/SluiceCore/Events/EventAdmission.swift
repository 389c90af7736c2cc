/// The first step of every event, shared by the live engine and replay so that both accept and
/// reject exactly the same events: decode and validate the message, then decide lateness
/// against its partition's event-time clock, advancing the clock for an accepted event.
public struct EventAdmission: Sendable {
    public let decoder: EventDecoder
    public let rules: EventRules

    public init(decoder: EventDecoder, rules: EventRules) {
        self.decoder = decoder
        self.rules = rules
    }

    /// An accepted event, with what its partition's clock says about it.
    public struct Accepted {
        public let event: DecodedEvent
        /// Bit v set: the event is late for view v, and does not update it.
        public let lateMask: UInt64
        /// The partition's newest event time once this event is counted (its watermark drives
        /// pruning).
        public let newestEventTime: Int64
    }

    /// Admits the message `bytes` of a partition whose clock is `clock`: rejected when it cannot
    /// be decoded or is late for every view; otherwise accepted, and `clock` moves to its time.
    @inline(__always)
    public func admit(
        _ bytes: UnsafeRawBufferPointer, messageTimestamp: Int64?, clock: inout PartitionClock
    ) -> Result<Accepted, Rejection> {
        switch decoder.decode(bytes, messageTimestamp: messageTimestamp) {
        case .failure(let rejection):
            return .failure(rejection)
        case .success(let event):
            let late = rules.lateMask(eventTime: event.eventTime, clock: clock)
            if late == rules.allViewsMask {
                let watermark = rules.watermark(clock: clock)
                return .failure(Rejection(.late, "event time \(event.eventTime) is before the watermark \(watermark)"))
            }
            clock.advance(to: event.eventTime)
            return .success(Accepted(event: event, lateMask: late, newestEventTime: clock.newestEventTime))
        }
    }
}
