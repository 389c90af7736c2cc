import SluiceKafka
import SluiceRegistry
import SluiceTraining

/// What `sluice ct run` works with: the policy, where the data is, where runs keep their files.
public struct ContinuousTrainingSettings: Sendable {
    public var policy: TrainingPolicy
    /// The topology whose feature log the training sets are made from.
    public var topologyName: String
    /// Its registry content hash, written into each training set's metadata.
    public var topologyHash: String?
    /// Root of the feature log (`sluice run --offline-dir`).
    public var featuresDirectory: String
    public var labelsTopic = "labels"
    public var predictionsTopic = "sluice.predictions"
    public var requestsTopic = RetrainRequest.defaultTopic
    /// Where the drift monitor publishes its windows (the data-drift and decay triggers read it).
    public var driftTopic = "sluice.drift"
    /// How often the policy's triggers are judged while no run is going on.
    public var triggerInterval: Duration = .seconds(60)
    /// Each run keeps its training sets, model and trainer log in `<workDirectory>/<request id>/`.
    public var workDirectory = ".sluice/ct"
    public var client: KafkaClientConfiguration
    public var artifacts: ArtifactStore
    /// The actor the registry records the run's steps, approvals and deployments under.
    public var actor = "sluice ct run"
    /// How often a rollout stage looks at its guards again, and an approval is looked for.
    public var tick: Duration = .seconds(10)

    public init(
        policy: TrainingPolicy, topologyName: String, featuresDirectory: String, client: KafkaClientConfiguration,
        artifacts: ArtifactStore
    ) {
        self.policy = policy
        self.topologyName = topologyName
        self.featuresDirectory = featuresDirectory
        self.client = client
        self.artifacts = artifacts
    }
}
