/// What applying a topology would change relative to the newest registered version of the same
/// name, feature by feature: printed before anything is written, like a schema migration plan.
public struct TopologyPlan: Sendable, Equatable {
    public struct PropertyChange: Sendable, Equatable {
        public var property: String
        public var from: String
        public var to: String

        public init(property: String, from: String, to: String) {
            self.property = property
            self.from = from
            self.to = to
        }
    }

    public struct ColumnChange: Sendable, Equatable {
        public var column: String
        public var changes: [PropertyChange]
    }

    public var topology: String
    /// The version the plan compares with; nil when the name is new.
    public var current: TopologyReference?
    /// The content hash of the topology being applied.
    public var contentHash: String
    /// False when the document's hash equals the current version's: applying registers nothing.
    public var changesAnything: Bool
    public var viewsAdded: [String]
    public var viewsRemoved: [String]
    public var columnsAdded: [String]
    public var columnsRemoved: [String]
    /// Columns whose values would change (aggregation, field, window, tile, key, lateness).
    public var columnsChanged: [ColumnChange]
    /// Columns, views or source properties whose description or other non-value setting changed.
    public var otherChanges: [String]

    public init(topology: String, current: TopologyVersion?, proposed: TopologyDocument, proposedHash: String) {
        self.topology = topology
        self.current = current?.reference
        contentHash = proposedHash
        changesAnything = current?.contentHash != proposedHash
        let old = current?.document
        let oldViews = Set(old?.views.map(\.name) ?? [])
        let newViews = Set(proposed.views.map(\.name))
        viewsAdded = proposed.views.map(\.name).filter { !oldViews.contains($0) }
        viewsRemoved = (old?.views.map(\.name) ?? []).filter { !newViews.contains($0) }
        let oldColumns = Dictionary((old?.columns ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newColumns = Dictionary(proposed.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        columnsAdded = proposed.columns.map(\.name).filter { oldColumns[$0] == nil }
        columnsRemoved = (old?.columns ?? []).map(\.name).filter { newColumns[$0] == nil }
        columnsChanged = []
        otherChanges = []
        for column in proposed.columns {
            guard let before = oldColumns[column.name] else { continue }
            let changes = zip(before.definition, column.definition).compactMap { old, new in
                old.value == new.value ? nil : PropertyChange(property: new.property, from: old.value, to: new.value)
            }
            if !changes.isEmpty { columnsChanged.append(ColumnChange(column: column.name, changes: changes)) }
            if before.feature.description != column.feature.description {
                otherChanges.append("\(column.name): description")
            }
        }
        guard let old else { return }
        for view in proposed.views {
            guard let before = old.views.first(where: { $0.name == view.name }) else { continue }
            if before.description != view.description { otherChanges.append("view \(view.name): description") }
            if before.ttl != view.ttl { otherChanges.append("view \(view.name): ttl") }
            if before.owner != view.owner {
                otherChanges.append("view \(view.name): owner \(before.owner) -> \(view.owner)")
            }
            if before.tags != view.tags { otherChanges.append("view \(view.name): tags") }
        }
        if old.description != proposed.description { otherChanges.append("description") }
        if old.owner != proposed.owner { otherChanges.append("owner \(old.owner) -> \(proposed.owner)") }
        if old.tags != proposed.tags { otherChanges.append("tags") }
        if old.source != proposed.source {
            otherChanges.append("source: \(Self.sourceChanges(old.source, proposed.source))")
        }
    }

    /// Columns removed or changed: what a model version reading them would no longer get.
    public var breakingColumns: [String] { columnsRemoved + columnsChanged.map(\.column) }

    private static func sourceChanges(_ old: TopologyDocument.Source, _ new: TopologyDocument.Source) -> String {
        var parts: [String] = []
        if old.topic != new.topic { parts.append("topic \(old.topic) -> \(new.topic)") }
        let oldFields = Set(old.fields.map(\.name))
        let newFields = Set(new.fields.map(\.name))
        let added = new.fields.map(\.name).filter { !oldFields.contains($0) }
        let removed = old.fields.map(\.name).filter { !newFields.contains($0) }
        if !added.isEmpty { parts.append("fields added \(added.joined(separator: ", "))") }
        if !removed.isEmpty { parts.append("fields removed \(removed.joined(separator: ", "))") }
        let changed = new.fields.filter { field in old.fields.contains { $0.name == field.name && $0 != field } }
        if !changed.isEmpty { parts.append("fields changed \(changed.map(\.name).joined(separator: ", "))") }
        if parts.isEmpty { parts.append("settings") }
        return parts.joined(separator: "; ")
    }
}
