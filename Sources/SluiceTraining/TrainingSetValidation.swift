/// Continuous training's validation step: checks of a new training set, before any training,
/// against the champion's signature, the current topology and the champion's own training set
/// (docs/continuous-training.md). Pure: the caller reads the facts of both sets.
public enum TrainingSetValidation {
    /// What validation needs to know of a training set.
    public struct Facts: Sendable, Equatable {
        public var rows: Int
        /// Rows whose label is known (fraud or not), and the fraud among them.
        public var labeled: Int
        public var positives: Int
        /// Each column's share of null values over all rows.
        public var nullShares: [String: Double]

        public init(rows: Int, labeled: Int, positives: Int, nullShares: [String: Double]) {
            self.rows = rows
            self.labeled = labeled
            self.positives = positives
            self.nullShares = nullShares
        }

        public var labelRate: Double? { labeled > 0 ? Double(positives) / Double(labeled) : nil }
    }

    /// One check, with what it found.
    public struct Finding: Sendable, Equatable {
        public var check: String
        public var passed: Bool
        public var detail: String
    }

    /// The failed findings' details, or that every check held.
    public static func summary(_ findings: [Finding]) -> String {
        let failed = findings.filter { !$0.passed }
        return failed.isEmpty
            ? "the training set passed \(findings.count) checks"
            : failed.map { "\($0.check): \($0.detail)" }.joined(separator: "; ")
    }

    /// Checks `facts` of the new set. `signature`: the columns the champion reads (the candidate
    /// is to read them too); `topologyColumns`: the feature columns the current topology version
    /// writes (nil: not known, not checked); `reference`: the champion's training set (nil: none,
    /// the checks against it are skipped).
    public static func validate(
        _ facts: Facts, signature: [String], topologyColumns: Set<String>?, reference: Facts?,
        rules: TrainingPolicy.Validation
    ) -> [Finding] {
        var findings: [Finding] = []
        func check(_ name: String, _ passed: Bool, _ detail: String) {
            findings.append(Finding(check: name, passed: passed, detail: detail))
        }
        let missing = signature.filter { facts.nullShares[$0] == nil }
        check(
            "columns", missing.isEmpty,
            missing.isEmpty
                ? "all \(signature.count) columns the champion reads are there"
                : "the set lacks columns the champion reads: \(missing.joined(separator: ", "))")
        if let topologyColumns {
            let stale = signature.filter { !topologyColumns.contains($0) }
            check(
                "topology", stale.isEmpty,
                stale.isEmpty
                    ? "the current topology computes every column"
                    : "the current topology no longer computes \(stale.joined(separator: ", "))")
        }
        check(
            "rows", facts.rows >= rules.minimumRows, "\(facts.rows) rows (at least \(rules.minimumRows) needed)")
        check(
            "positives", facts.positives >= rules.minimumPositives,
            "\(facts.positives) fraud labels (at least \(rules.minimumPositives) needed)")
        guard let reference else { return findings }
        if let rate = facts.labelRate, let referenceRate = reference.labelRate {
            let allowed = rules.labelRateTolerance * referenceRate
            check(
                "label rate", abs(rate - referenceRate) <= allowed,
                "\(percent(rate)) fraud against \(percent(referenceRate)) in the champion's set (at most \(percent(allowed)) apart)"
            )
        } else if facts.labelRate == nil {
            check("label rate", false, "no labeled row")
        }
        var grown: [String] = []
        for column in signature {
            guard let share = facts.nullShares[column], let before = reference.nullShares[column] else { continue }
            if share > before + rules.nullShareIncrease {
                grown.append("\(column) \(percent(share)) null, was \(percent(before))")
            }
        }
        check(
            "nulls", grown.isEmpty,
            grown.isEmpty
                ? "no column's null share grew by more than \(percent(rules.nullShareIncrease))"
                : grown.joined(separator: ", "))
        return findings
    }

    static func percent(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded() / 100
        return "\(scaled)%"
    }
}
