/// One step of a continuous-training run, recorded in the registry's event log so that `sluice
/// models history NAME` tells a run's whole story (docs/continuous-training.md): a request, the
/// training set, its validation, training, the evaluation and its verdict, registration, the
/// rollout's stages, the end.
public struct TrainingStep: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        case requested
        case trainingSet = "training_set"
        case validated
        case trained
        case evaluated
        case registered
        case shadow
        case canary
        case promoted
        case rolledBack = "rolled_back"
        case failed
    }

    public enum Outcome: String, Sendable, Equatable, Codable {
        case started
        case passed
        case failed
    }

    public var model: String
    /// The `retrain_requested` event's id: the run this step belongs to.
    public var requestID: String
    public var kind: Kind
    public var outcome: Outcome
    /// What happened, in a sentence (the reasons, the verdict, the guard crossed).
    public var detail: String
    /// The version the step concerns (the champion, or the candidate once registered).
    public var version: Int?
    /// Figures of the step (rows, positives, PR-AUC, traffic percent, ...).
    public var figures: [String: Double]

    enum CodingKeys: String, CodingKey {
        case model
        case requestID = "request_id"
        case kind, outcome, detail, version, figures
    }

    public init(
        model: String, requestID: String, kind: Kind, outcome: Outcome, detail: String, version: Int? = nil,
        figures: [String: Double] = [:]
    ) {
        self.model = model
        self.requestID = requestID
        self.kind = kind
        self.outcome = outcome
        self.detail = detail
        self.version = version
        self.figures = figures
    }
}
