import Foundation

/// The HTML drift report: one self-contained page (inline CSS and SVG, no script, no external
/// asset) with a summary of every column by severity, then per column the reference and current
/// distributions overlaid, the statistics and the decision. Pure: the caller writes it.
public struct DriftReportPage: Sendable {
    public var title: String
    public var referenceName: String
    public var currentName: String
    public var comparison: DatasetComparison
    public var bins: Int
    /// When the report was made, as the caller's clock says (epoch milliseconds).
    public var generatedAt: Int64
    /// The concept-drift section's variants; none: no section.
    public var concept: [ConceptEntry]

    /// At most this many categories are drawn; the rest are summed into one bar.
    static let drawnCategories = 24

    public init(
        title: String = "Drift report", referenceName: String, currentName: String, comparison: DatasetComparison,
        bins: Int, generatedAt: Int64, concept: [ConceptEntry] = []
    ) {
        self.title = title
        self.referenceName = referenceName
        self.currentName = currentName
        self.comparison = comparison
        self.bins = bins
        self.generatedAt = generatedAt
        self.concept = concept
    }

    public func html() -> String {
        let drifted = comparison.columns.filter { $0.decision?.drifted == true }.count
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(Self.style)</style></head><body>
            <header><h1>\(escape(title))</h1>
            <p class="meta">reference <b>\(escape(referenceName))</b> (\(comparison.referenceRows) rows) ·
            current <b>\(escape(currentName))</b> (\(comparison.currentRows) rows) · \(bins) quantile bins ·
            generated \(escape(Self.timestamp(generatedAt)))</p>
            <p class="headline \(drifted > 0 ? "bad" : "good")">\(drifted) of \(comparison.columns.count) columns drifted</p>
            </header>
            <section><h2>Columns by severity</h2><table class="summary"><thead><tr>
            <th>column</th><th>kind</th><th>method</th><th>value</th><th>threshold</th><th>verdict</th>
            <th>PSI</th><th>KS / χ² p</th><th>JS</th><th>nulls ref / cur</th></tr></thead><tbody>

            """
        for column in comparison.columns {
            page += """
                <tr><td><a href="#\(anchor(column.column))">\(escape(column.column))</a></td>\
                <td>\(column.kind.rawValue)</td><td>\(column.decision?.method.rawValue ?? "–")</td>\
                <td>\(number(column.decision?.value))</td><td>\(number(column.decision?.threshold))</td>\
                <td>\(verdict(column))</td><td>\(number(column.psi))</td>\
                <td>\(number(column.kolmogorovSmirnov?.pValue ?? column.chiSquare?.pValue))</td>\
                <td>\(number(column.js))</td>\
                <td>\(percent(column.reference.nullShare)) / \(percent(column.current.nullShare))</td></tr>

                """
        }
        page += "</tbody></table></section>\n"
        page += conceptSection()
        for column in comparison.columns { page += card(column) }
        page += "<footer>Statistics and decisions: docs/drift.md. Bars: share of non-null values per bin"
        page += " or category, reference and current side by side.</footer></body></html>\n"
        return page
    }

    // MARK: - Per column

    private func card(_ column: ColumnComparison) -> String {
        var html = """
            <section class="card" id="\(anchor(column.column))"><h2>\(escape(column.column)) \(verdict(column))</h2>
            <p class="meta">\(column.kind.rawValue) · reference \(column.reference.values) values\
            \(nullNote(column.reference)) · current \(column.current.values) values\(nullNote(column.current))</p>

            """
        if let chart = chart(column) { html += chart }
        var rows: [(String, String)] = []
        if let decision = column.decision {
            let comparison = decision.method.isPValue ? (decision.drifted ? "<" : "≥") : (decision.drifted ? "≥" : "<")
            rows.append(
                (
                    "decision",
                    "\(decision.method.rawValue) \(number(decision.value)) \(comparison) \(number(decision.threshold))"
                ))
        }
        if let ks = column.kolmogorovSmirnov {
            rows.append(
                ("Kolmogorov-Smirnov", "D = \(number(ks.statistic)), p = \(number(ks.pValue)) (\(ks.method.rawValue))"))
        }
        if let distance = column.wasserstein {
            rows.append(
                ("Wasserstein", "\(number(distance)) (\(number(column.wassersteinNormalised)) standard deviations)"))
        }
        if let chi = column.chiSquare {
            rows.append(
                ("chi-square", "\(number(chi.statistic)) on \(chi.degreesOfFreedom) df, p = \(number(chi.pValue))"))
        }
        if let psi = column.psi { rows.append(("PSI", number(psi))) }
        if let kl = column.kl { rows.append(("KL divergence", number(kl))) }
        if let js = column.js { rows.append(("Jensen-Shannon", number(js))) }
        if !column.unseenCategories.isEmpty {
            rows.append(("unseen categories", column.unseenCategories.map(escape).joined(separator: ", ")))
        }
        html += "<table class=\"stats\">"
        for (name, value) in rows { html += "<tr><th>\(name)</th><td>\(value)</td></tr>" }
        html += "</table>\n"
        for problem in column.problems { html += "<p class=\"problem\">\(escape(problem))</p>\n" }
        return html + "</section>\n"
    }

    /// Bars of the reference's and the current's shares per bin or category (unsmoothed).
    private func chart(_ column: ColumnComparison) -> String? {
        guard let referenceCounts = column.referenceCounts, let currentCounts = column.currentCounts else { return nil }
        func shares(_ counts: [Int]) -> [Double] {
            let total = Double(max(counts.reduce(0, +), 1))
            return counts.map { Double($0) / total }
        }
        var labels: [String]
        var reference = shares(referenceCounts)
        var current = shares(currentCounts)
        if let edges = column.bins?.innerEdges {
            labels = (0...edges.count).map { index in
                if edges.isEmpty { return "all" }
                if index == 0 { return "< \(short(edges[0]))" }
                if index == edges.count { return "≥ \(short(edges[index - 1]))" }
                return "\(short(edges[index - 1]))–\(short(edges[index]))"
            }
        } else {
            labels = column.categories ?? []
            if labels.count > Self.drawnCategories {
                let order = labels.indices.sorted { reference[$0] + current[$0] > reference[$1] + current[$1] }
                let kept = Array(order.prefix(Self.drawnCategories - 1))
                let rest = order.dropFirst(Self.drawnCategories - 1)
                labels = kept.map { labels[$0] } + ["\(rest.count) others"]
                reference = kept.map { reference[$0] } + [rest.reduce(0) { $0 + reference[$1] }]
                current = kept.map { current[$0] } + [rest.reduce(0) { $0 + current[$1] }]
            }
        }
        let (width, height, left, bottom, top) = (760.0, 250.0, 52.0, 74.0, 16.0)
        let plotHeight = height - bottom - top
        let slot = (width - left - 8) / Double(max(labels.count, 1))
        let largest = max((reference + current).max() ?? 0, 0.0001)
        let scale = Self.niceCeiling(largest)
        var svg = """
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="\(escape(column.column)): reference and current shares">

            """
        svg += Self.gridLines(scale: scale, left: left, right: width - 8, top: top, height: plotHeight)
        for (index, label) in labels.enumerated() {
            let x = left + slot * Double(index)
            let barWidth = max(slot * 0.38, 1)
            for (offset, share, style) in [(0.1, reference[index], "reference"), (0.5, current[index], "current")] {
                let barHeight = plotHeight * share / scale
                svg += "<rect class=\"\(style)\" x=\"\(x + slot * offset)\" y=\"\(top + plotHeight - barHeight)\" "
                svg += "width=\"\(barWidth)\" height=\"\(barHeight)\"><title>\(escape(label)) \(style): "
                svg += "\(percent(share))</title></rect>"
            }
            let labelX = x + slot / 2
            let labelY = top + plotHeight + 14
            svg += "<text class=\"axis\" x=\"\(labelX)\" y=\"\(labelY)\" text-anchor=\"end\" "
            svg += "transform=\"rotate(-40 \(labelX) \(labelY))\">\(escape(String(label.prefix(18))))</text>"
        }
        svg += "<rect class=\"reference\" x=\"\(width - 200)\" y=\"2\" width=\"10\" height=\"10\"/>"
        svg += "<text class=\"axis\" x=\"\(width - 186)\" y=\"11\">reference</text>"
        svg += "<rect class=\"current\" x=\"\(width - 110)\" y=\"2\" width=\"10\" height=\"10\"/>"
        svg += "<text class=\"axis\" x=\"\(width - 96)\" y=\"11\">current</text>"
        return svg + "</svg>\n"
    }

    // MARK: - Formatting

    private func verdict(_ column: ColumnComparison) -> String {
        guard let decision = column.decision else { return "<span class=\"badge none\">no decision</span>" }
        return decision.drifted ? "<span class=\"badge bad\">drift</span>" : "<span class=\"badge good\">ok</span>"
    }

    private func nullNote(_ side: SideSummary) -> String {
        guard let share = side.nullShare, share > 0 else { return "" }
        return " (\(percent(share)) null)"
    }

    func number(_ value: Double?) -> String { DriftNumberFormat.number(value, missing: "–") }

    func short(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int64(value)) }
        return String(format: "%.3g", value)
    }

    func percent(_ share: Double?) -> String { DriftNumberFormat.percent(share, missing: "–") }

    func anchor(_ name: String) -> String {
        "column-" + name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined()
    }

    func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Five horizontal lines from 0 to `scale` across the plot, labelled in percent on the left.
    static func gridLines(scale: Double, left: Double, right: Double, top: Double, height: Double) -> String {
        var svg = ""
        for step in 0...4 {
            let value = scale * Double(step) / 4
            let y = top + height * (1 - value / scale)
            svg += "<line class=\"grid\" x1=\"\(left)\" y1=\"\(y)\" x2=\"\(right)\" y2=\"\(y)\"/>"
            svg += "<text class=\"axis\" x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">"
            svg += "\(String(format: "%g", value * 100))%</text>"
        }
        return svg
    }

    /// 1, 2 or 5 times a power of ten, at or above `value`: the chart's top.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, (log10(value)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    static func timestamp(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:980px;\
        color:#1d2430;background:#fafbfc;padding:0 16px}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:0 0 6px}
        .meta{color:#5b6575;margin:2px 0 10px}.headline{font-size:16px;font-weight:600}
        .headline.bad{color:#b42318}.headline.good{color:#067647}
        table{border-collapse:collapse;width:100%;background:#fff}
        th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6e8ec;font-variant-numeric:tabular-nums}
        table.summary th{background:#f2f4f7;font-weight:600}
        table.stats{width:auto;margin-top:8px}table.stats th{font-weight:500;color:#5b6575}
        .card{background:#fff;border:1px solid #e6e8ec;border-radius:8px;padding:14px 16px;margin:16px 0}
        .badge{font-size:12px;border-radius:10px;padding:1px 8px;vertical-align:middle;font-weight:600}
        .badge.bad{background:#fee4e2;color:#b42318}.badge.good{background:#dcfae6;color:#067647}
        .badge.none{background:#eaecf0;color:#475467}
        .problem{color:#b54708;margin:6px 0 0}
        svg.chart{width:100%;height:auto;display:block}
        svg .reference{fill:#7a8aa5}svg .current{fill:#e07a2f}
        svg .predicted{fill:#98a2b3}svg .observed{fill:#e07a2f}.change{color:#5b6575;font-size:12px}
        .wide{overflow-x:auto}table.concept{font-size:12px}table.concept th,table.concept td{padding:4px 5px}
        svg .grid{stroke:#e6e8ec;stroke-width:1}svg .axis{font-size:11px;fill:#5b6575}
        footer{color:#5b6575;font-size:12px;margin:24px 0}
        """
}
