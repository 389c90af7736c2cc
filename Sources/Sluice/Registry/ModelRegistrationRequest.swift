/// `sluice models register`'s arguments.
public struct ModelRegistrationRequest: Sendable {
    public var model: String
    public var artifactPath: String
    public var format: String
    /// The input columns in the model's order; nil to take the model's own feature names.
    public var features: [String]?
    public var trainingSetPath: String?
    public var metrics: [String: Double]
    public var tags: [String: String]
    public var description: String

    public init(
        model: String, artifactPath: String, format: String = ModelRegistration.xgboostJSON, features: [String]? = nil,
        trainingSetPath: String? = nil, metrics: [String: Double] = [:], tags: [String: String] = [:],
        description: String = ""
    ) {
        self.model = model
        self.artifactPath = artifactPath
        self.format = format
        self.features = features
        self.trainingSetPath = trainingSetPath
        self.metrics = metrics
        self.tags = tags
        self.description = description
    }
}
