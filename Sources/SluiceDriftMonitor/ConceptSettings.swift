import SluiceDrift

/// What the monitor's concept-drift lane reads and judges with (`sluice drift run --labels-topic`).
public struct ConceptSettings: Sendable {
    /// Labels {"txn_id", "label", "ts"}, as `sluice outcomes` reads them.
    public var labelsTopic: String
    /// The longest delay from a payment to its label that still counts (ms); a window is judged
    /// once labels are known up to its end plus this.
    public var labelDelayMax: Int64
    /// The decision threshold: a score at or above it declines.
    public var threshold: Double
    public var reference: ConceptReference
    /// Score PSI at or above which a moved fraud rate is not called a change of P(Y|X) alone.
    public var psiThreshold = 0.2

    public init(labelsTopic: String, labelDelayMax: Int64, threshold: Double, reference: ConceptReference) {
        self.labelsTopic = labelsTopic
        self.labelDelayMax = labelDelayMax
        self.threshold = threshold
        self.reference = reference
    }
}
