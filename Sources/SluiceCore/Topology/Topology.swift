/// A feature topology: where events come from, what they look like, and which features to compute
/// per entity. Built by `SluiceTopology`'s YAML loader or in code; `validated()` checks it.
public struct Topology: Sendable, Equatable {
    public var name: String
    public var source: SourceSpec
    public var views: [ViewSpec]

    public init(name: String, source: SourceSpec, views: [ViewSpec]) {
        self.name = name
        self.source = source
        self.views = views
    }

    public func view(named name: String) -> ViewSpec? { views.first { $0.name == name } }
}
