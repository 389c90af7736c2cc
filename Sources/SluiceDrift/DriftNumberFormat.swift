import Foundation

/// How drift values read in the table and the HTML report: four decimals, or three significant
/// digits in scientific notation for p-values far in the tail; shares as percentages.
public enum DriftNumberFormat {
    public static func number(_ value: Double?, missing: String = "-") -> String {
        guard let value else { return missing }
        if value == 0 { return "0" }
        if abs(value) < 1e-3 || abs(value) >= 1e6 { return String(format: "%.3g", value) }
        return String(format: "%.4f", value)
    }

    public static func percent(_ share: Double?, missing: String = "-") -> String {
        share.map { String(format: "%.1f%%", $0 * 100) } ?? missing
    }
}
