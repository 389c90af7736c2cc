/// Joins predictions with delayed labels by event id under the rules of `sluice training-set`:
/// a label counts only if it was known at `asOf` and arrived at most `labelDelayMax` after the
/// event (the newest such label wins); a prediction is matured once its event is older than
/// `labelDelayMax` at `asOf`. Predictions made after `asOf` did not exist yet and are left out.
public struct OutcomeJoin: Sendable {
    public var asOf: Int64
    public var labelDelayMax: Int64

    public init(asOf: Int64, labelDelayMax: Int64) {
        self.asOf = asOf
        self.labelDelayMax = labelDelayMax
    }

    public func outcome(of prediction: PredictionRecord, labels: LabelBook) -> Outcome? {
        guard prediction.servedAt <= asOf else { return nil }
        let matured = prediction.eventTime + labelDelayMax <= asOf
        if let label = labels.label(
            of: prediction.eventID, eventTime: prediction.eventTime, asOf: asOf, maxDelay: labelDelayMax)
        {
            return Outcome(
                prediction: prediction, status: .labeled, label: label.value, labelTime: label.time,
                isMatured: matured)
        }
        return Outcome(
            prediction: prediction, status: matured ? .legitimate : .pending, label: matured ? 0 : nil,
            labelTime: nil, isMatured: matured)
    }

    public func outcomes(of predictions: [PredictionRecord], labels: LabelBook) -> [Outcome] {
        predictions.compactMap { outcome(of: $0, labels: labels) }
    }
}
