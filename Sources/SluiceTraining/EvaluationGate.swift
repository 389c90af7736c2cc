/// The gate between a candidate and traffic: each of the policy's rules compares the candidate's
/// figure on the holdout with a floor and with the champion's figure on the same rows. The
/// candidate passes only if every rule holds; a figure that cannot be computed fails its rule.
public enum EvaluationGate {
    /// One rule's outcome, with the figures it judged.
    public struct Check: Sendable, Equatable {
        public var rule: TrainingPolicy.GateRule
        public var candidate: Double?
        public var champion: Double?
        public var passed: Bool
        /// Why, in a sentence.
        public var reason: String
    }

    public struct Verdict: Sendable, Equatable {
        public var checks: [Check]
        public var passed: Bool { checks.allSatisfy(\.passed) }
        /// The failed checks' reasons, or that every check held.
        public var summary: String {
            let failed = checks.filter { !$0.passed }
            return failed.isEmpty
                ? "passed: " + checks.map(\.reason).joined(separator: "; ")
                : "failed: " + failed.map(\.reason).joined(separator: "; ")
        }
    }

    /// Judges `candidate` against `champion` (nil: there is none yet, so only the floors apply).
    public static func judge(
        candidate: ModelQuality, champion: ModelQuality?, rules: [TrainingPolicy.GateRule]
    ) -> Verdict {
        Verdict(
            checks: rules.map { rule in
                let name = rule.metric.rawValue
                let value = candidate[rule.metric]
                let reference = champion?[rule.metric]
                guard let value else {
                    return Check(
                        rule: rule, candidate: nil, champion: reference, passed: false,
                        reason:
                            "\(name) of the candidate is undefined (\(candidate.positives) positives in \(candidate.labeled) rows)"
                    )
                }
                if let minimum = rule.minimum, value < minimum {
                    return Check(
                        rule: rule, candidate: value, champion: reference, passed: false,
                        reason: "\(name) \(format(value)) is below the floor \(format(minimum))")
                }
                if let maximumDrop = rule.maximumDrop, let reference, value < reference - maximumDrop {
                    return Check(
                        rule: rule, candidate: value, champion: reference, passed: false,
                        reason:
                            "\(name) \(format(value)) is \(format(reference - value)) below the champion's \(format(reference)) (at most \(format(maximumDrop)) allowed)"
                    )
                }
                let against = reference.map { " against the champion's \(format($0))" } ?? " (no champion)"
                return Check(
                    rule: rule, candidate: value, champion: reference, passed: true,
                    reason: "\(name) \(format(value))\(against)")
            })
    }

    /// A figure rounded to 4 decimals, as reasons and logs show it.
    public static func format(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded() / 10_000
        return "\(scaled)"
    }
}
