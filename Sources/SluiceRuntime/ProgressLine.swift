import Foundation

/// The progress output of long-running commands on standard error: one line rewritten in place
/// on a terminal, a line per report otherwise (logs, CI), and the numbers in them.
public struct ProgressLine: Sendable {
    /// Whether standard error is a terminal.
    public let isTerminal: Bool

    public init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) { self.isTerminal = isTerminal }

    /// Writes `line`: over the previous one on a terminal, ending it when `final`.
    public func write(_ line: String, final: Bool) {
        let text = isTerminal ? "\r\u{1B}[2K\(line)\(final ? "\n" : "")" : "\(line)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// 1234567 → "1,234,567".
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// `count` per second over `seconds`, 0 before any time passed.
    public static func rate(_ count: Int, seconds: Double) -> Double { seconds > 0 ? Double(count) / seconds : 0 }

    /// Counts as `<name> <count>`, largest first, joined by commas (rejections by reason).
    public static func counts<Key>(_ counts: [Key: Int], name: (Key) -> String) -> String {
        counts.sorted { $0.value > $1.value }.map { "\(name($0.key)) \($0.value)" }.joined(separator: ", ")
    }
}
