/// Where a model version stands with its reviewers. Every version starts `pending`; approvals and
/// rejections are events, so the state at any past time can be read from the history.
public enum Approval: String, Sendable, Codable, CaseIterable {
    case pending
    case approved
    case rejected
}
