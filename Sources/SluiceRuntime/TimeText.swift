import Foundation

/// Times as users write them: epoch milliseconds or ISO-8601 (with or without fractional
/// seconds). The one parser behind the CLI and the serving API.
public enum TimeText {
    /// An ISO-8601 time as epoch milliseconds, nil when the text is not one.
    public static func parseISO(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }

    /// Epoch milliseconds or an ISO-8601 time.
    public static func parse(_ text: String) -> Int64? {
        Int64(text) ?? parseISO(text)
    }

    /// Epoch milliseconds as ISO-8601 UTC, to the second (`2026-12-01T10:00:00Z`).
    public static func iso(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
