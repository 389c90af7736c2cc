/// What a caller supplies to register a model version; the registry adds the version number,
/// the approval state, the time and the actor.
public struct ModelVersionDraft: Sendable, Equatable {
    public var model: String
    public var format: String
    public var artifact: ArtifactReference
    public var signature: [String]
    public var metrics: [String: Double]
    public var tags: [String: String]
    public var description: String
    public var trainingSet: TrainingSetLineage?
    public var sluiceVersion: String

    public init(
        model: String, format: String, artifact: ArtifactReference, signature: [String],
        metrics: [String: Double] = [:],
        tags: [String: String] = [:], description: String = "", trainingSet: TrainingSetLineage? = nil,
        sluiceVersion: String
    ) {
        self.model = model
        self.format = format
        self.artifact = artifact
        self.signature = signature
        self.metrics = metrics
        self.tags = tags
        self.description = description
        self.trainingSet = trainingSet
        self.sluiceVersion = sluiceVersion
    }
}
