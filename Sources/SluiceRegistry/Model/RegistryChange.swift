import SluiceTraining

/// What one registry event changed.
public enum RegistryChange: Sendable, Equatable {
    case versionRegistered(ModelVersion)
    case aliasMoved(AliasMove)
    case approvalChanged(ApprovalChange)
    case topologyApplied(TopologyVersion)
    case deploymentChanged(DeploymentChange)
    case trainingStep(TrainingStep)

    /// The event's type as written in the log and the change feed.
    public var type: String {
        switch self {
        case .versionRegistered: "version_registered"
        case .aliasMoved: "alias_moved"
        case .approvalChanged: "approval_changed"
        case .topologyApplied: "topology_applied"
        case .deploymentChanged: "deployment_changed"
        case .trainingStep: "training_step"
        }
    }

    /// The model or topology the event is about: the change feed's message key.
    public var subject: String {
        switch self {
        case .versionRegistered(let version): version.model
        case .aliasMoved(let move): move.model
        case .approvalChanged(let change): change.model
        case .topologyApplied(let topology): topology.name
        case .deploymentChanged(let change): change.model
        case .trainingStep(let step): step.model
        }
    }

    /// Whether `subject` names a model (else a topology).
    public var isAboutModel: Bool {
        if case .topologyApplied = self { return false }
        return true
    }
}
