/// An alias of a model set, moved or deleted: `from` is the version it pointed to before (nil if
/// it did not exist), `to` the version it points to after (nil when deleted).
public struct AliasMove: Sendable, Equatable, Codable {
    public var model: String
    public var alias: String
    public var from: Int?
    public var to: Int?
    public var reason: String

    public init(model: String, alias: String, from: Int?, to: Int?, reason: String) {
        self.model = model
        self.alias = alias
        self.from = from
        self.to = to
        self.reason = reason
    }
}
