import Foundation
import SluiceDrift

/// The text form of a drift comparison: one line per column, by severity, then the problems.
enum DriftTable {
    static func render(_ comparison: DatasetComparison, reference: String, current: String, bins: Int) -> String {
        let drifted = comparison.columns.filter { $0.decision?.drifted == true }.count
        var lines = [
            "reference \(reference) (\(comparison.referenceRows) rows), current \(current) (\(comparison.currentRows) "
                + "rows), \(bins) bins: \(drifted) of \(comparison.columns.count) columns drifted",
            "",
        ]
        let header = [
            "column", "kind", "method", "value", "threshold", "verdict", "psi", "ks p", "js", "nulls ref/cur",
        ]
        var rows = [header]
        for column in comparison.columns {
            rows.append([
                column.column, column.kind.rawValue, column.decision?.method.rawValue ?? "-",
                DriftNumberFormat.number(column.decision?.value), DriftNumberFormat.number(column.decision?.threshold),
                column.decision.map { $0.drifted ? "DRIFT" : "ok" } ?? "-", DriftNumberFormat.number(column.psi),
                DriftNumberFormat.number(column.kolmogorovSmirnov?.pValue ?? column.chiSquare?.pValue),
                DriftNumberFormat.number(column.js),
                "\(DriftNumberFormat.percent(column.reference.nullShare))/\(DriftNumberFormat.percent(column.current.nullShare))",
            ])
        }
        let widths = header.indices.map { index in rows.map { $0[index].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                zip(row, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        let problems = comparison.columns.flatMap { column in column.problems.map { "  \(column.column): \($0)" } }
        if !problems.isEmpty { lines += ["", "problems:"] + problems }
        let unseen = comparison.columns.filter { !$0.unseenCategories.isEmpty }
        if !unseen.isEmpty {
            lines += ["", "categories the reference never saw:"]
            lines += unseen.map { "  \($0.column): \($0.unseenCategories.joined(separator: ", "))" }
        }
        return lines.joined(separator: "\n")
    }
}
