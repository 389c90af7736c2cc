import SluiceCore
import SluiceOnlineStore
import Testing

@testable import SluiceStreaming

@Suite("Partition state machine")
struct PartitionStateMachineTests {
    private func positioned(at offset: Int64, stored: Bool = true) -> PartitionStateMachine {
        var machine = PartitionStateMachine()
        let progress = stored ? StoredProgress(nextOffset: offset, newestEventTime: 5_000) : try! StoredProgress(nil)
        #expect(machine.position(at: progress) == .dropCache)
        return machine
    }

    @Test("messages before the partition is positioned are skipped")
    func skipsUntilPositioned() {
        var machine = PartitionStateMachine()
        #expect(machine.receive(offset: 0) == .skip)
        #expect(machine.state == .awaitingPosition)
        #expect(!machine.isPositioned)
    }

    @Test("positioning at stored progress sets the offsets and the clock")
    func positionsAtStoredProgress() {
        let machine = positioned(at: 42)
        #expect(machine.state == .reading(.cachedEntitiesOnly))
        #expect(machine.nextOffset == 42 && machine.committedOffset == 42)
        #expect(machine.clock.newestEventTime == 5_000)
    }

    @Test("a partition with no stored progress covers every entity until its cache is dropped")
    func freshPartitionCoversEveryEntity() {
        var machine = positioned(at: 0, stored: false)
        #expect(machine.coverage == .everyEntity)
        #expect(machine.receive(offset: 0) == .process)
        #expect(machine.coverage == .everyEntity)
        machine.cacheDropped()
        #expect(machine.coverage == .cachedEntitiesOnly)
    }

    @Test("messages already processed are skipped; new ones move the next offset")
    func skipsProcessedMessages() {
        var machine = positioned(at: 10)
        #expect(machine.receive(offset: 9) == .skip)
        #expect(machine.receive(offset: 10) == .process)
        #expect(machine.receive(offset: 10) == .skip)
        #expect(machine.receive(offset: 15) == .process)
        #expect(machine.nextOffset == 16)
    }

    @Test("the partition's end makes it caught up until the next message")
    func caughtUpAtTheEnd() {
        var machine = positioned(at: 10)
        _ = machine.receive(offset: 10)
        _ = machine.receive(offset: 11)
        machine.reachedEnd(at: 12)
        #expect(machine.isCaughtUp)
        #expect(machine.receive(offset: 12) == .process)
        #expect(!machine.isCaughtUp)
    }

    @Test("an end report older than the last processed message is stale")
    func staleEndIgnored() {
        var machine = positioned(at: 10)
        _ = machine.receive(offset: 10)
        _ = machine.receive(offset: 11)
        machine.reachedEnd(at: 11)
        #expect(!machine.isCaughtUp)
    }

    @Test("the end is ignored before positioning")
    func endBeforePositioning() {
        var machine = PartitionStateMachine()
        machine.reachedEnd(at: 0)
        #expect(machine.state == .awaitingPosition)
    }

    @Test("a lost batch goes back to the last written progress and must be positioned again")
    func lostBatchRewinds() {
        var machine = positioned(at: 10)
        _ = machine.receive(offset: 10)
        machine.clock.advance(to: 9_000)
        machine.written(nextOffset: 11, clock: machine.clock)
        _ = machine.receive(offset: 11)
        machine.clock.advance(to: 12_000)
        #expect(machine.lost() == .dropCache)
        #expect(machine.state == .awaitingPosition)
        #expect(machine.nextOffset == 11 && machine.committedOffset == 11)
        #expect(machine.clock.newestEventTime == 9_000)
        #expect(machine.receive(offset: 11) == .skip)
    }
}

@Suite("Assignment tracker")
struct AssignmentTrackerTests {
    let start = ContinuousClock.now
    let timeout = Duration.seconds(60)

    @Test("no assignment within the timeout is an error")
    func neverAssigned() {
        var tracker = AssignmentTracker()
        tracker.started(at: start)
        tracker.update(receivedAssignment: false, assigned: 0, at: start + .seconds(30))
        #expect(tracker.verdict(timeout: timeout, at: start + .seconds(30)) == .waiting)
        #expect(tracker.verdict(timeout: timeout, at: start + .seconds(61)) == .neverAssigned)
    }

    @Test("an empty assignment held for the timeout means the others own every partition")
    func ownedByOthers() {
        var tracker = AssignmentTracker()
        tracker.started(at: start)
        tracker.update(receivedAssignment: true, assigned: 0, at: start + .seconds(1))
        #expect(tracker.verdict(timeout: timeout, at: start + .seconds(61)) == .ownedByOthers)
    }

    @Test("partitions lost later start a new wait")
    func unassignedLater() {
        var tracker = AssignmentTracker()
        tracker.started(at: start)
        tracker.update(receivedAssignment: true, assigned: 2, at: start + .seconds(1))
        #expect(tracker.verdict(timeout: timeout, at: start + .seconds(120)) == .waiting)
        tracker.update(receivedAssignment: false, assigned: 0, at: start + .seconds(120))
        #expect(tracker.verdict(timeout: timeout, at: start + .seconds(150)) == .waiting)
        #expect(tracker.verdict(timeout: timeout, at: start + .seconds(181)) == .ownedByOthers)
    }
}
