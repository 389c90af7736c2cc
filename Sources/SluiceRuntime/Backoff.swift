/// Exponential backoff whose next attempt is due after a wait: `initial`, doubled after each
/// further failure up to `maximum`, back to `initial` after a success.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var current: Duration = .zero
    private var nextAttempt = ContinuousClock.now

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    public var isDue: Bool { ContinuousClock.now >= nextAttempt }

    /// Records a failure; returns the wait before the next attempt.
    public mutating func failed() -> Duration {
        current = current == .zero ? initial : min(current * 2, maximum)
        nextAttempt = ContinuousClock.now + current
        return current
    }

    public mutating func succeeded() { current = .zero }
}
