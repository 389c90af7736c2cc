import SluiceModel

/// A model's deployment set, changed or removed: `from` is the deployment before (nil if none),
/// `to` the one after (nil when undeployed).
public struct DeploymentChange: Sendable, Equatable, Codable {
    public var model: String
    public var from: Deployment?
    public var to: Deployment?
    public var reason: String

    public init(model: String, from: Deployment?, to: Deployment?, reason: String) {
        self.model = model
        self.from = from
        self.to = to
        self.reason = reason
    }
}
