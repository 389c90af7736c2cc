/// Whether this process has partitions, for `untilEnd` runs: it tells a group still forming
/// (wait) from a group whose other processes own every partition (done) and from a group that
/// never assigns anything (an error).
struct AssignmentTracker {
    enum State {
        /// No assignment received since the loop started at `since`.
        case waitingForFirst(since: ContinuousClock.Instant)
        /// Some partitions are assigned.
        case assigned
        /// An assignment came, but no partitions are assigned since `since`.
        case unassigned(since: ContinuousClock.Instant)
    }

    enum Verdict: Equatable {
        case waiting
        /// Assignments came, but none for this process for the whole timeout.
        case ownedByOthers
        /// No assignment came within the timeout.
        case neverAssigned
    }

    private(set) var state = State.waitingForFirst(since: .now)

    /// The loop starts now.
    mutating func started(at now: ContinuousClock.Instant = .now) { state = .waitingForFirst(since: now) }

    /// After rebalances were applied: whether an assignment event came, and how many
    /// partitions are assigned now.
    mutating func update(receivedAssignment: Bool, assigned: Int, at now: ContinuousClock.Instant = .now) {
        switch state {
        case .waitingForFirst(let since):
            if assigned > 0 {
                state = .assigned
            } else if receivedAssignment {
                state = .unassigned(since: since)
            }
        case .assigned:
            if assigned == 0 { state = .unassigned(since: now) }
        case .unassigned:
            if assigned > 0 { state = .assigned }
        }
    }

    func verdict(timeout: Duration, at now: ContinuousClock.Instant = .now) -> Verdict {
        switch state {
        case .waitingForFirst(let since): now - since > timeout ? .neverAssigned : .waiting
        case .unassigned(let since): now - since > timeout ? .ownedByOthers : .waiting
        case .assigned: .waiting
        }
    }
}
