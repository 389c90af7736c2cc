import Foundation

/// The report's concept-drift section: per variant, quality on matured outcomes next to the
/// registry's validation figures, the P(Y|X) and DDM verdicts, and a calibration chart (mean
/// score, observed fraud rate and the reference's fraud rate per score decile).
extension DriftReportPage {
    /// One variant's outcomes judged (`ConceptWindowMetrics`), under a label such as "champion v3".
    public struct ConceptEntry: Sendable {
        public var label: String
        public var metrics: ConceptWindowMetrics

        public init(label: String, metrics: ConceptWindowMetrics) {
            self.label = label
            self.metrics = metrics
        }

        var drifted: Bool { metrics.conditionalShift || (metrics.detector?.drifts ?? 0) > 0 }
    }

    func conceptSection() -> String {
        guard !concept.isEmpty else { return "" }
        var html = """
            <section><h2>Concept drift</h2><p class="meta">\(escape(conceptNote))</p>
            <div class="wide"><table class="summary concept"><thead><tr><th>variant</th><th>predictions</th><th>labeled</th>\
            <th>fraud rate</th><th>ROC-AUC</th><th>PR-AUC</th><th>recall</th><th>precision</th>\
            <th>recall at 1% FPR</th><th>log loss</th><th>Brier</th><th>calibration error</th>\
            <th>score PSI</th><th>P(Y|X)</th><th>DDM</th></tr></thead><tbody>

            """
        for entry in concept {
            let metrics = entry.metrics
            html += """
                <tr><td><a href="#\(anchor("concept " + entry.label))">\(escape(entry.label))</a></td>\
                <td>\(metrics.predictions)</td><td>\(metrics.labeled)</td><td>\(percent(metrics.fraudRate))</td>\
                <td>\(figure(metrics.rocAUC, "roc_auc", metrics))</td><td>\(figure(metrics.prAUC, "pr_auc", metrics))</td>\
                <td>\(figure(metrics.recall, "recall", metrics))</td>\
                <td>\(figure(metrics.precision, "precision", metrics))</td>\
                <td>\(figure(metrics.recallAt1PercentFPR, "recall_at_1pct_fpr", metrics))</td>\
                <td>\(figure(metrics.logLoss, "log_loss", metrics))</td><td>\(figure(metrics.brier, "brier", metrics))</td>\
                <td>\(number(metrics.expectedCalibrationError))</td><td>\(number(metrics.scorePSI))</td>\
                <td>\(conditionalVerdict(metrics))</td>\
                <td>\(detectorText(metrics.detector))</td></tr>

                """
        }
        html += "</tbody></table></div></section>\n"
        for entry in concept { html += conceptCard(entry) }
        return html
    }

    private var conceptNote: String {
        let threshold = concept.first.map { number($0.metrics.threshold) } ?? "–"
        var note =
            "Outcomes of each variant's predictions (live: a label known within the label delay, else legitimate). "
            + "Decision threshold \(threshold)."
        if concept.contains(where: { !$0.metrics.changes.isEmpty }) {
            note += " In brackets: the change against the version's validation metrics in the registry."
        }
        return note
    }

    /// A figure and, when the registry has the version's validation figure, the change against it.
    private func figure(_ value: Double?, _ name: String, _ metrics: ConceptWindowMetrics) -> String {
        guard let change = metrics.changes[name] else { return number(value) }
        return "\(number(value)) <span class=\"change\">(\(change >= 0 ? "+" : "")\(number(change)))</span>"
    }

    private func detectorText(_ detector: ConceptWindowMetrics.Detector?) -> String {
        guard let detector else { return "–" }
        let level = detector.level.rawValue.replacingOccurrences(of: "_", with: " ")
        return detector.drifts > 0 ? "\(level) (\(detector.drifts) drift)" : level
    }

    private func conditionalVerdict(_ metrics: ConceptWindowMetrics) -> String {
        if metrics.conditionalShift { return "<span class=\"badge bad\">moved</span>" }
        if !metrics.shifts.isEmpty { return "<span class=\"badge none\">moved with P(X)</span>" }
        return metrics.scorePSI == nil
            ? "<span class=\"badge none\">no reference</span>" : "<span class=\"badge good\">stable</span>"
    }

    private func conceptCard(_ entry: ConceptEntry) -> String {
        let metrics = entry.metrics
        let badge =
            entry.drifted ? "<span class=\"badge bad\">concept drift</span>" : "<span class=\"badge good\">ok</span>"
        var html = """
            <section class="card" id="\(anchor("concept " + entry.label))"><h2>\(escape(entry.label)) \(badge)</h2>
            <p class="meta">\(metrics.predictions) predictions, \(metrics.fraud) fraud, \(metrics.labeled) labeled; \
            errors at the threshold \(percent(metrics.detector?.errorRate))</p>

            """
        if let chart = calibrationChart(entry) { html += chart }
        for shift in metrics.shifts {
            html += """
                <p class="problem">decile \(shift.decile + 1): fraud rate \(percent(shift.referenceRate)) in the \
                reference, \(percent(shift.currentRate)) now (p = \(number(shift.pValue)))</p>

                """
        }
        return html + "</section>\n"
    }

    /// Per decile: the mean score (predicted fraud rate), the observed fraud rate, and the
    /// reference's observed rate where there is a reference.
    private func calibrationChart(_ entry: ConceptEntry) -> String? {
        let bins = entry.metrics.calibration
        guard !bins.isEmpty else { return nil }
        let series: [(String, String, [Double])] =
            [
                ("predicted", "mean score", bins.map { $0.meanScore ?? 0 }),
                ("observed", "observed fraud rate", bins.map { $0.fraudRate ?? 0 }),
            ]
            + (bins.contains { $0.referenceFraudRate != nil }
                ? [("reference", "reference fraud rate", bins.map { $0.referenceFraudRate ?? 0 })] : [])
        let (width, height, left, bottom, top) = (760.0, 230.0, 52.0, 40.0, 18.0)
        let plotHeight = height - bottom - top
        let slot = (width - left - 8) / Double(bins.count)
        let scale = Self.niceCeiling(max(series.flatMap(\.2).max() ?? 0, 0.0001))
        var svg = """
            <svg class="chart calibration" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="\(escape(entry.label)): calibration by score decile">

            """
        svg += Self.gridLines(scale: scale, left: left, right: width - 8, top: top, height: plotHeight)
        let barWidth = max(slot * 0.8 / Double(series.count), 1)
        for index in bins.indices {
            let x = left + slot * Double(index) + slot * 0.1
            for (position, (style, name, values)) in series.enumerated() {
                let barHeight = plotHeight * values[index] / scale
                svg += "<rect class=\"\(style)\" x=\"\(x + barWidth * Double(position))\" "
                svg += "y=\"\(top + plotHeight - barHeight)\" width=\"\(barWidth)\" height=\"\(barHeight)\">"
                svg += "<title>decile \(index + 1) \(name): \(percent(values[index]))</title></rect>"
            }
            svg += "<text class=\"axis\" x=\"\(left + slot * (Double(index) + 0.5))\" y=\"\(top + plotHeight + 16)\" "
            svg += "text-anchor=\"middle\">\(index + 1)</text>"
        }
        svg += "<text class=\"axis\" x=\"\(left + (width - left) / 2)\" y=\"\(height - 4)\" text-anchor=\"middle\">"
        svg += "score decile (\(bins.first?.referenceFraudRate != nil ? "the reference's" : "the window's own"))</text>"
        for (position, (style, name, _)) in series.enumerated() {
            let x = width - 440 + Double(position) * 150
            svg += "<rect class=\"\(style)\" x=\"\(x)\" y=\"2\" width=\"10\" height=\"10\"/>"
            svg += "<text class=\"axis\" x=\"\(x + 14)\" y=\"11\">\(name)</text>"
        }
        return svg + "</svg>\n"
    }
}
