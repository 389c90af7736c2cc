import Testing

@testable import SluiceHTTP

/// `FeatureLookupStateMachine` driven with parts that say their kind and the lookup a head asks
/// for, its actions written as short strings.
private struct FeatureMachineDriver {
    typealias Part = (kind: RequestPartKind, lookup: String?)
    typealias Machine = FeatureLookupStateMachine<Part, String, String>

    var machine = Machine(kind: { $0.kind }, lookup: { $0.lookup })

    static func describe(_ action: Machine.Action?) -> String {
        switch action {
        case nil: "-"
        case .passOn(let part)?: "pass \(part.kind)"
        case .absorb(let lookup, let part)?: "absorb \(part.kind) into \(lookup)"
        case .answer(let lookup)?: "answer \(lookup)"
        case .fire(let events)?: "fire \(events.joined(separator: ","))"
        }
    }

    mutating func head(_ lookup: String? = nil) -> String { Self.describe(machine.received((.head, lookup))) }
    mutating func body() -> String { Self.describe(machine.received((.body, nil))) }
    mutating func end() -> String { Self.describe(machine.received((.end, nil))) }
    mutating func answered() -> [String] { machine.answered().map(Self.describe) }
    mutating func event(_ name: String, quiesces: Bool = false) -> String {
        Self.describe(machine.received(event: name, quiesces: quiesces))
    }
    mutating func eventsDue() -> String { Self.describe(machine.eventsDue()) }
}

@Suite("Lookup fast paths' state machines")
struct LookupStateMachineTests {
    @Test("a lookup is answered at its end; other requests pass to the router part by part")
    func lookupAndRouted() {
        var driver = FeatureMachineDriver()
        let steps =
            [driver.head("card-1"), driver.end()] + driver.answered() + [driver.head(), driver.body(), driver.end()]
        #expect(steps == ["-", "answer card-1", "pass head", "pass body", "pass end"])
    }

    @Test("a taken request's body parts are handed over for it (a score's JSON); it is answered at its end")
    func bodyAbsorbed() {
        var driver = FeatureMachineDriver()
        let steps = [driver.head("score-1"), driver.body(), driver.body(), driver.end()]
        #expect(steps == ["-", "absorb body into score-1", "absorb body into score-1", "answer score-1"])
    }

    @Test("while a routed request is unanswered, a lookup goes to the router too (answers stay in order)")
    func lookupBehindRoutedRequest() {
        var driver = FeatureMachineDriver()
        let routed = [driver.head(), driver.end(), driver.head("card-2"), driver.end()]
        #expect(routed == ["pass head", "pass end", "pass head", "pass end"])
        driver.machine.routedResponseEnded()
        driver.machine.routedResponseEnded()
        let taken = driver.head("card-3")
        #expect(taken == "-")
    }

    @Test("parts arriving during an answer wait for it, then are taken in order up to the next lookup's end")
    func partsHeldDuringAnswer() {
        var driver = FeatureMachineDriver()
        let first = [driver.head("a"), driver.end()]
        let held = [driver.head("b"), driver.end(), driver.head("c")]
        let afterA = driver.answered()
        let afterB = driver.answered()
        let last = driver.end()
        #expect(first == ["-", "answer a"])
        #expect(held == ["-", "-", "-"])
        #expect(afterA == ["answer b"])
        #expect(afterB.isEmpty)
        #expect(last == "answer c")
    }

    @Test("end of input waits for the lookup in progress; after shutdown starts, lookups go to the router")
    func eventsWaitAndQuiesce() {
        var driver = FeatureMachineDriver()
        let idle = driver.event("open")
        _ = driver.head("a")
        let duringLookup = driver.event("quiesce", quiesces: true)
        _ = driver.end()
        _ = driver.answered()
        let due = driver.eventsDue()
        let afterShutdown = driver.head("b")
        #expect(idle == "fire open")
        #expect(duringLookup == "-")
        #expect(due == "fire quiesce")
        #expect(afterShutdown == "pass head")
    }

    @Test("raw bytes: a plain lookup is answered, anything else hands the connection over for good")
    func rawHandOver() {
        var machine = RawLookupStateMachine<String>()
        let incomplete = machine.next(.incomplete)
        let answerable = machine.next(.lookup(answerable: true))
        let modeWhileAnswering = machine.mode
        machine.answered()
        let refused = machine.next(.lookup(answerable: false))
        let held = machine.handOver()
        let eventAfter = machine.received(event: "end", waitsForAnswers: true)
        #expect(incomplete == .wait)
        #expect(answerable == .answer)
        #expect(modeWhileAnswering == .answering)
        #expect(refused == .handOver)
        #expect(held.isEmpty)
        #expect(!machine.keepsBytes)
        #expect(eventAfter == .passOn)
    }

    @Test("raw bytes: end of input waits for the answer, then hands the connection over with it")
    func rawHeldEvents() {
        var machine = RawLookupStateMachine<String>()
        _ = machine.next(.lookup(answerable: true))
        let action = machine.received(event: "input closed", waitsForAnswers: true)
        let idleWhileAnswering = machine.handsOverWhenIdle
        machine.answered()
        let idleAfter = machine.handsOverWhenIdle
        let events = machine.handOver()
        #expect(action == .held(takeRequests: false))
        #expect(!idleWhileAnswering)
        #expect(idleAfter)
        #expect(events == ["input closed"])
    }

    @Test("raw bytes: reads pause past the pending limit and resume once drained or handed over")
    func rawBackpressure() {
        var machine = RawLookupStateMachine<String>()
        let small = machine.readRequested(pending: 10, limit: 100)
        let large = machine.readRequested(pending: 101, limit: 100)
        let stillFull = machine.resumesReading(pending: 101, limit: 100)
        let drained = machine.resumesReading(pending: 50, limit: 100)
        let again = machine.resumesReading(pending: 50, limit: 100)
        _ = machine.readRequested(pending: 500, limit: 100)
        _ = machine.handOver()
        let handedOver = machine.resumesReading(pending: 500, limit: 100)
        #expect(small && !large && !stillFull && drained && !again && handedOver)
    }
}
