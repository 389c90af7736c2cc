/// The rules of `RawLookupFastPath`, with no I/O: whether the connection's bytes are taken here
/// or go to the HTTP pipeline, when a lookup is answered, when the connection is handed over for
/// good, and when reads pause (backpressure). Generic over the event type so that tests drive it
/// with plain values; the handler keeps the bytes and carries out the actions.
struct RawLookupStateMachine<Event> {
    enum Mode: Equatable {
        /// Takes complete lookups from the pending bytes as they arrive.
        case taking
        /// A lookup is being answered; bytes that arrive meanwhile wait.
        case answering
        /// The connection belongs to the HTTP pipeline from now on (or is closed).
        case handedOver
    }

    /// What the next pending request head is.
    enum Head {
        /// Not complete yet.
        case incomplete
        /// Not a plain lookup.
        case other
        /// A plain lookup; `answerable` when its token is accepted and the router would not word
        /// an error for its arguments.
        case lookup(answerable: Bool)
    }

    enum RequestAction: Equatable {
        /// Wait for more bytes.
        case wait
        /// Take the head's bytes and answer the lookup, then report `answered()`.
        case answer
        /// Hand the connection over (`handOver()`), starting with this request's bytes.
        case handOver
    }

    enum EventAction: Equatable {
        /// Pass the event on now.
        case passOn
        /// Held until the lookups received are answered; take requests if nothing is being answered.
        case held(takeRequests: Bool)
    }

    private(set) var mode = Mode.taking
    /// A read was asked for while too many bytes were pending.
    private(set) var readHeld = false
    private var heldEvents: [Event] = []

    /// Whether bytes that arrive are kept here (and taken at once when `mode` is `taking`).
    var keepsBytes: Bool { mode != .handedOver }

    /// The next pending head was parsed.
    mutating func next(_ head: Head) -> RequestAction {
        switch head {
        case .incomplete:
            return .wait
        case .other, .lookup(answerable: false):
            return .handOver
        case .lookup(answerable: true):
            mode = .answering
            return .answer
        }
    }

    /// The lookup's answer was written (the connection may have closed meanwhile).
    mutating func answered() {
        if mode == .answering { mode = .taking }
    }

    /// The pending bytes hold no complete request: held events, if any, now hand the connection
    /// over (nothing is left to answer before them).
    var handsOverWhenIdle: Bool { mode == .taking && !heldEvents.isEmpty }

    /// The connection goes to the HTTP pipeline for good; returns the held events to pass on
    /// after the pending bytes.
    mutating func handOver() -> [Event] {
        mode = .handedOver
        defer { heldEvents = [] }
        return heldEvents
    }

    /// The connection closed: nothing more is taken.
    mutating func closed() { mode = .handedOver }

    /// An end-of-input or shutdown event arrived; `waitsForAnswers`: it must not overtake the
    /// lookups received.
    mutating func received(event: Event, waitsForAnswers: Bool) -> EventAction {
        guard waitsForAnswers, mode != .handedOver else { return .passOn }
        heldEvents.append(event)
        return .held(takeRequests: mode == .taking)
    }

    /// The channel asks to read more with `pending` bytes waiting: whether to read now.
    mutating func readRequested(pending: Int, limit: Int) -> Bool {
        if mode != .handedOver && pending > limit {
            readHeld = true
            return false
        }
        return true
    }

    /// After bytes were taken or handed over: whether a held read may go ahead now.
    mutating func resumesReading(pending: Int, limit: Int) -> Bool {
        guard readHeld, mode == .handedOver || pending <= limit else { return false }
        readHeld = false
        return true
    }
}
