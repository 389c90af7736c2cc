/// Durations as written in topology files and on the command line: a whole number followed by a
/// unit, `ms`, `s`, `m`, `h` or `d` (for example `500ms`, `1s`, `2m`, `24h`, `30d`).
public enum DurationText {
    public static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Milliseconds, or nil when `text` is not a valid duration.
    public static func milliseconds(_ text: String) -> Int64? {
        // "ms" must be tried before "s" and "m".
        for (suffix, scale) in units.sorted(by: { $0.suffix.count > $1.suffix.count }) where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value >= 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: scale)
            return overflow ? nil : product
        }
        return nil
    }

    /// The shortest exact text for `milliseconds`, e.g. 86_400_000 → "1d", 90_000 → "90s".
    public static func format(_ milliseconds: Int64) -> String {
        for (suffix, scale) in units.reversed() where milliseconds != 0 && milliseconds % scale == 0 {
            return "\(milliseconds / scale)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}

/// Integer division rounding toward negative infinity, so that tile indexes of times before the
/// epoch are still `floor(ts / size)`.
@inline(__always)
public func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
