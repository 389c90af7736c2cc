import SluiceTraining

/// One committed entry of the registry's append-only event log. Sequences start at 1 and have no
/// gaps; times never decrease along the sequence (a write whose clock is behind the last event's
/// takes that event's time), so "the state at time T" is the state after the last event at or
/// before T.
public struct RegistryEvent: Sendable, Equatable {
    public var sequence: Int64
    /// Epoch milliseconds.
    public var time: Int64
    public var actor: String
    public var change: RegistryChange

    public init(sequence: Int64, time: Int64, actor: String, change: RegistryChange) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.change = change
    }
}

// MARK: - JSON

/// `{"sequence":7,"time":1733400000000,"actor":"ana","type":"alias_moved","subject":"fraud",
/// "change":{...}}`: the log's stored form and the change feed's message.
extension RegistryEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case sequence, time, actor, type, subject, change
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sequence = try container.decode(Int64.self, forKey: .sequence)
        time = try container.decode(Int64.self, forKey: .time)
        actor = try container.decode(String.self, forKey: .actor)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "version_registered": change = .versionRegistered(try container.decode(ModelVersion.self, forKey: .change))
        case "alias_moved": change = .aliasMoved(try container.decode(AliasMove.self, forKey: .change))
        case "approval_changed": change = .approvalChanged(try container.decode(ApprovalChange.self, forKey: .change))
        case "topology_applied": change = .topologyApplied(try container.decode(TopologyVersion.self, forKey: .change))
        case "deployment_changed":
            change = .deploymentChanged(try container.decode(DeploymentChange.self, forKey: .change))
        case "training_step": change = .trainingStep(try container.decode(TrainingStep.self, forKey: .change))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown registry event type '\(type)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(time, forKey: .time)
        try container.encode(actor, forKey: .actor)
        try container.encode(change.type, forKey: .type)
        try container.encode(change.subject, forKey: .subject)
        switch change {
        case .versionRegistered(let version): try container.encode(version, forKey: .change)
        case .aliasMoved(let move): try container.encode(move, forKey: .change)
        case .approvalChanged(let approval): try container.encode(approval, forKey: .change)
        case .topologyApplied(let topology): try container.encode(topology, forKey: .change)
        case .deploymentChanged(let deployment): try container.encode(deployment, forKey: .change)
        case .trainingStep(let step): try container.encode(step, forKey: .change)
        }
    }
}

extension RegistryEvent {
    /// The event as one line of JSON with sorted keys: how the log stores it and the feed carries it.
    public var jsonText: String { RegistryJSON.encode(self) }

    public init(jsonText: String) throws(RegistryError) {
        self = try RegistryJSON.decode(RegistryEvent.self, jsonText, what: "a registry event")
    }
}
