/// The ordering rules of `FeatureLookupFastPath`, with no I/O: which request parts it takes here,
/// holds or passes on to the router, when a lookup is answered, and when held parts and events
/// go on. HTTP/1.1 answers in request order, so a lookup is taken only when no request passed to
/// the router is still unanswered, and parts that arrive while a lookup is answered wait for it.
///
/// Generic over the part, lookup and event types so that tests drive it with plain values; the
/// handler carries out the actions it returns.
struct FeatureLookupStateMachine<Part, Lookup, Event> {
    typealias PartKind = RequestPartKind

    /// Where the request whose parts are arriving stands.
    enum Current {
        /// Between requests.
        case none
        /// A lookup whose head was taken; it is answered at its end.
        case readingLookup(Lookup)
        /// A lookup read in full and being answered.
        case answeringLookup
        /// A request passed to the router, its parts following it.
        case routing
    }

    enum Action {
        /// Pass the part on to the router.
        case passOn(Part)
        /// A body part of the lookup being read (a score request's JSON; a GET's is ignored).
        case absorb(Lookup, Part)
        /// Answer the lookup, then report `answered()`.
        case answer(Lookup)
        /// Pass the events on, in order.
        case fire([Event])
    }

    private(set) var current = Current.none
    /// Requests passed to the router whose response has not been written in full.
    private(set) var routedInFlight = 0
    /// The server is shutting down: everything goes to the router, which closes idle connections.
    private(set) var quiescing = false
    private var heldParts: [Part] = []
    private var heldStart = 0
    private var heldEvents: [Event] = []
    private let kind: (Part) -> PartKind
    private let lookup: (Part) -> Lookup?

    /// `kind` tells a part's kind; `lookup` is the lookup a head asks for, nil for a request the
    /// router must see (asked only when a lookup may be taken).
    init(kind: @escaping (Part) -> PartKind, lookup: @escaping (Part) -> Lookup?) {
        self.kind = kind
        self.lookup = lookup
    }

    private var isAnswering: Bool {
        if case .answeringLookup = current { return true }
        return false
    }

    /// A lookup is being read or answered here.
    private var holdsLookup: Bool {
        switch current {
        case .readingLookup, .answeringLookup: true
        case .none, .routing: false
        }
    }

    private var holdsParts: Bool { heldStart < heldParts.count }

    /// A part arrived from the connection.
    mutating func received(_ part: Part) -> Action? {
        guard !isAnswering && !holdsParts else {
            heldParts.append(part)
            return nil
        }
        return take(part)
    }

    /// The lookup's answer was written: the parts held behind it are taken, until one of them
    /// starts another lookup's answer.
    mutating func answered() -> [Action] {
        current = .none
        var actions: [Action] = []
        while !isAnswering && holdsParts {
            let part = heldParts[heldStart]
            heldStart += 1
            if let action = take(part) { actions.append(action) }
        }
        if !holdsParts {
            heldParts.removeAll(keepingCapacity: true)
            heldStart = 0
        }
        return actions
    }

    /// The events held behind a lookup, once no lookup and no held part is left before them.
    mutating func eventsDue() -> Action? {
        guard !heldEvents.isEmpty && !holdsLookup && !holdsParts else { return nil }
        defer { heldEvents = [] }
        return .fire(heldEvents)
    }

    /// The router wrote the end of a response.
    mutating func routedResponseEnded() { routedInFlight -= 1 }

    /// An end-of-input or shutdown event arrived (`quiesces`: the server is shutting down). It
    /// waits for the lookup in progress and the parts held behind it.
    mutating func received(event: Event, quiesces: Bool) -> Action? {
        if quiesces { quiescing = true }
        guard holdsLookup || holdsParts || !heldEvents.isEmpty else { return .fire([event]) }
        heldEvents.append(event)
        return nil
    }

    private mutating func take(_ part: Part) -> Action? {
        switch kind(part) {
        case .head:
            if routedInFlight == 0, !quiescing, let lookup = lookup(part) {
                current = .readingLookup(lookup)
                return nil
            }
            current = .routing
            routedInFlight += 1
            return .passOn(part)
        case .body:
            switch current {
            case .routing: return .passOn(part)
            case .readingLookup(let lookup): return .absorb(lookup, part)
            case .none, .answeringLookup: return nil
            }
        case .end:
            switch current {
            case .routing:
                current = .none
                return .passOn(part)
            case .readingLookup(let lookup):
                current = .answeringLookup
                return .answer(lookup)
            case .none, .answeringLookup:
                return nil
            }
        }
    }
}

/// The three parts of an HTTP request as the HTTP pipeline hands them on.
enum RequestPartKind {
    case head
    case body
    case end
}
