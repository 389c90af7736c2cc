/// The matured outcomes of one variant in one event-time window, as the monitor gathers them:
/// each prediction's score and whether it turned out fraud. Kept whole (32 bytes each) until the
/// window closes, since ROC-AUC and PR-AUC are exact only on every score.
public struct ConceptOutcomes: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var eventTime: Int64
        /// Orders outcomes of the same event time (a hash of the request id), so that the error
        /// stream DDM reads is the same in every run.
        public var order: UInt64
        public var score: Double
        public var fraud: Bool
        /// A label was known (else the payment counts as legitimate past the label delay).
        public var labeled: Bool

        public init(eventTime: Int64, order: UInt64, score: Double, fraud: Bool, labeled: Bool) {
            self.eventTime = eventTime
            self.order = order
            self.score = score
            self.fraud = fraud
            self.labeled = labeled
        }
    }

    public private(set) var outcomes: [Outcome] = []

    public init() {}

    public mutating func add(_ outcome: Outcome) { outcomes.append(outcome) }

    /// The outcomes in event-time order (then by `order`).
    public func sorted() -> [Outcome] {
        outcomes.sorted { ($0.eventTime, $0.order) < ($1.eventTime, $1.order) }
    }
}
