/// Where a model version came from, recorded at registration without being asked.
public struct ModelLineage: Sendable, Equatable, Codable {
    /// The topology version whose feature columns the model's signature was checked against.
    public var topology: TopologyReference?
    public var trainingSet: TrainingSetLineage?
    /// The Sluice that registered the version.
    public var sluiceVersion: String

    public init(topology: TopologyReference? = nil, trainingSet: TrainingSetLineage? = nil, sluiceVersion: String) {
        self.topology = topology
        self.trainingSet = trainingSet
        self.sluiceVersion = sluiceVersion
    }

    enum CodingKeys: String, CodingKey {
        case topology
        case trainingSet = "training_set"
        case sluiceVersion = "sluice_version"
    }
}
