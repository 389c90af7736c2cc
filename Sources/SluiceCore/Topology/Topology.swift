/// A feature topology: where events come from, what they look like, and which features to compute
/// per entity. Built by `SluiceTopology`'s YAML loader or in code; `validated()` checks it.
public struct Topology: Sendable, Equatable {
    public var name: String
    public var source: SourceSpec
    public var views: [ViewSpec]
    /// For people: what the topology is, who owns it and labels to find it by. The feature
    /// registry shows them; they do not change what is computed.
    public var description: String
    public var owner: String
    public var tags: [String: String]

    public init(
        name: String, source: SourceSpec, views: [ViewSpec], description: String = "", owner: String = "",
        tags: [String: String] = [:]
    ) {
        self.name = name
        self.source = source
        self.views = views
        self.description = description
        self.owner = owner
        self.tags = tags
    }

    public func view(named name: String) -> ViewSpec? { views.first { $0.name == name } }
}
