/// A version approved or rejected (or set back to pending).
public struct ApprovalChange: Sendable, Equatable, Codable {
    public var model: String
    public var version: Int
    public var from: Approval
    public var to: Approval
    public var reason: String

    public init(model: String, version: Int, from: Approval, to: Approval, reason: String) {
        self.model = model
        self.version = version
        self.from = from
        self.to = to
        self.reason = reason
    }
}
