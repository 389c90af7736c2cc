/// How long a recurring task took last time (to start the longest first) and in all.
public struct TaskTime: Sendable {
    public init() {}

    public private(set) var last: Duration = .zero
    public private(set) var total: Duration = .zero

    public mutating func record(since start: ContinuousClock.Instant) {
        last = .now - start
        total += last
    }
}
