import Foundation

extension Duration {
    /// The whole duration in nanoseconds.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The duration in seconds, as a `Double`.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Seconds with millisecond precision, for logs.
    public var secondsText: String { String(format: "%.3f", seconds) }
}
