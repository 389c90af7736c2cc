/// A prediction joined with its label as known at an as-of time.
public struct Outcome: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// A label known at the as-of time, within the label delay.
        case labeled
        /// No label, and the label delay has passed: counted as legitimate (label 0), since
        /// fraud is labelled when its chargeback arrives and legitimate payments mostly never are.
        case legitimate
        /// No label yet, and one may still come.
        case pending
    }

    public var prediction: PredictionRecord
    public var status: Status
    /// The known label, 0 for `legitimate`, nil for `pending`.
    public var label: Int32?
    /// When the known label arrived (epoch ms); nil unless `labeled`.
    public var labelTime: Int64?
    /// The label delay had passed at the as-of time: the outcome is final, and the experiment
    /// report's quality metrics count it.
    public var isMatured: Bool

    /// For matured outcomes: whether the payment was fraud (a nonzero label).
    public var isFraud: Bool { (label ?? 0) != 0 }
}
