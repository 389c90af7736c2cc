import Crypto
import SluiceCore

/// Topology versions (`sluice features apply`), feature discovery and reverse lineage.
extension Registry {
    /// The canonical document of a topology and its content hash.
    public static func document(of topology: Topology) -> (document: TopologyDocument, contentHash: String) {
        let document = TopologyDocument(topology)
        return (document, Self.sha256Hex(Array(RegistryJSON.encode(document).utf8)))
    }

    /// What applying `topology` would change; writes nothing.
    public func plan(_ topology: Topology) async throws(RegistryError) -> TopologyPlan {
        let (document, hash) = Self.document(of: topology)
        let current = try await latestTopology(named: topology.name)
        return TopologyPlan(topology: topology.name, current: current, proposed: document, proposedHash: hash)
    }

    /// Registers `topology` as the next version of its name, unless its content hash equals the
    /// newest version's. Refused, naming them, when it removes or changes a column that a model
    /// version an alias points to reads, unless `force`.
    /// - Returns: the plan and the new version (nil when nothing changed).
    public func apply(_ topology: Topology, actor: String, force: Bool = false) async throws(RegistryError) -> (
        plan: TopologyPlan, applied: TopologyVersion?
    ) {
        try RegistryName.validate(topology.name, as: "topology name")
        let (document, hash) = Self.document(of: topology)
        let reads = [
            SQLStatement(
                "SELECT body FROM registry_topologies WHERE name = ? ORDER BY version DESC LIMIT 1",
                [.text(topology.name)]),
            SQLStatement(
                """
                SELECT c.column_name, c.model, c.version, a.alias FROM registry_version_columns c
                JOIN registry_aliases a ON a.model = c.model AND a.version = c.version
                WHERE c.topology = ? ORDER BY c.model, c.version, a.alias
                """, [.text(topology.name)]),
        ]
        return try await append(reads: reads, actor: actor) { rows, stamp throws(RegistryError) in
            let current = try rows[0].first.map { row throws(RegistryError) in
                try RegistryJSON.decode(TopologyVersion.self, row[0].text, what: "a stored topology version")
            }
            let plan = TopologyPlan(topology: topology.name, current: current, proposed: document, proposedHash: hash)
            guard plan.changesAnything else { return ([], (plan, nil)) }
            let breaking = Set(plan.breakingColumns)
            let broken = rows[1].filter { breaking.contains($0[0].text ?? "") }
            if !broken.isEmpty && !force {
                let uses = broken.map { row in
                    "\(row[1].text ?? "")@\(row[3].text ?? "") (version \(row[2].integer ?? 0)) reads \(row[0].text ?? "")"
                }
                throw RegistryError(
                    .refused,
                    "applying \(topology.name) would remove or change columns that aliased model versions read: "
                        + Array(Set(uses)).sorted().joined(separator: "; ")
                        + ". Move those aliases first, or pass --force.")
            }
            let version = TopologyVersion(
                name: topology.name, version: (current?.version ?? 0) + 1, contentHash: hash, document: document,
                appliedAt: stamp.time, appliedBy: stamp.actor)
            return ([.topologyApplied(version)], (plan, version))
        }
    }

    /// The newest version of every registered topology, by name.
    public func topologies() async throws(RegistryError) -> [TopologyVersion] {
        let all = try await allTopologyVersions()
        var newest: [String: TopologyVersion] = [:]
        for version in all { newest[version.name] = version }
        return newest.values.sorted { $0.name < $1.name }
    }

    /// The newest version of a topology, or nil if none is registered.
    public func latestTopology(named name: String) async throws(RegistryError) -> TopologyVersion? {
        try await rows(
            SQLStatement(
                "SELECT body FROM registry_topologies WHERE name = ? ORDER BY version DESC LIMIT 1", [.text(name)])
        ).first.map { row throws(RegistryError) in
            try RegistryJSON.decode(TopologyVersion.self, row[0].text, what: "a stored topology version")
        }
    }

    /// Every feature of every registered topology (as its newest version defines it, columns no
    /// longer defined included), with reverse lineage. `view` and `feature` filter.
    public func features(view: String? = nil, feature: String? = nil) async throws(RegistryError) -> [FeatureEntry] {
        let versions = try await allTopologyVersions()
        let uses = try await database.read([
            SQLStatement(
                "SELECT topology, column_name, model, version FROM registry_version_columns ORDER BY model, version"),
            SQLStatement("SELECT model, version, alias FROM registry_aliases ORDER BY alias"),
        ])
        var aliases: [String: [String]] = [:]
        for row in uses[1] {
            aliases["\(row[0].text ?? "")/\(row[1].integer ?? 0)", default: []].append(row[2].text ?? "")
        }
        var usages: [String: [FeatureUsage]] = [:]
        for row in uses[0] {
            let model = row[2].text ?? ""
            let version = Int(row[3].integer ?? 0)
            usages["\(row[0].text ?? "")/\(row[1].text ?? "")", default: []].append(
                FeatureUsage(model: model, version: version, aliases: aliases["\(model)/\(version)"] ?? []))
        }
        var entries: [String: FeatureEntry] = [:]
        var order: [String] = []
        for version in versions {
            for column in version.document.columns {
                guard view == nil || column.view.name == view, feature == nil || column.feature.name == feature else {
                    continue
                }
                let key = "\(version.name)/\(column.name)"
                var entry =
                    entries[key]
                    ?? FeatureEntry(
                        topology: version.name, view: column.view.name, feature: column.feature.name,
                        column: column.name,
                        aggregation: "", field: nil, window: nil, tile: nil, description: "", viewDescription: "",
                        owner: "", tags: [:], topologyVersions: [], firstRegistered: version.appliedAt,
                        usedBy: usages[key] ?? [])
                if entries[key] == nil { order.append(key) }
                entry.aggregation = column.feature.aggregation
                entry.field = column.feature.field
                entry.window = column.feature.window
                entry.tile = column.feature.tile
                entry.description = column.feature.description
                entry.viewDescription = column.view.description
                entry.owner = column.view.owner
                entry.tags = version.document.tags.merging(column.view.tags) { _, view in view }
                entry.topologyVersions.append(version.version)
                entries[key] = entry
            }
        }
        return order.compactMap { entries[$0] }
    }

    // MARK: - Helpers

    /// Every topology version, by name then version.
    func allTopologyVersions() async throws(RegistryError) -> [TopologyVersion] {
        try await rows(SQLStatement("SELECT body FROM registry_topologies ORDER BY name, version")).map {
            row throws(RegistryError) in
            try RegistryJSON.decode(TopologyVersion.self, row[0].text, what: "a stored topology version")
        }
    }

    /// The topology version whose columns include all of `signature`: the training set's own
    /// topology version if it has them, else the newest that does.
    func topology(covering signature: [String], trainingSet: TrainingSetLineage?) async throws(RegistryError)
        -> TopologyReference
    {
        let placeholders = Array(repeating: "?", count: signature.count).joined(separator: ", ")
        let arguments = signature.map(SQLValue.text)
        let results = try await database.read([
            SQLStatement(
                """
                SELECT t.name, t.version, t.content_hash, COUNT(*) FROM registry_topology_columns c
                JOIN registry_topologies t ON t.name = c.name AND t.version = c.version
                WHERE c.column_name IN (\(placeholders))
                GROUP BY t.name, t.version, t.content_hash, t.applied_ms ORDER BY t.applied_ms DESC, t.version DESC
                """, arguments),
            SQLStatement(
                "SELECT DISTINCT column_name FROM registry_topology_columns WHERE column_name IN (\(placeholders))",
                arguments),
            SQLStatement("SELECT COUNT(*) FROM registry_topologies"),
        ])
        let covering = results[0].filter { Int($0[3].integer ?? 0) == signature.count }.map {
            TopologyReference(name: $0[0].text ?? "", version: Int($0[1].integer ?? 0), contentHash: $0[2].text ?? "")
        }
        if let chosen = covering.first(where: { $0.contentHash == trainingSet?.topologyHash })
            ?? covering.first(where: { $0.name == trainingSet?.topologyName }) ?? covering.first
        {
            return chosen
        }
        if results[2].first?.first?.integer == 0 {
            throw RegistryError(
                .unknownColumns,
                "no topology is registered, so the input columns cannot be checked; register one first with "
                    + "`sluice features apply topologies/fraud.yaml`")
        }
        let known = Set(results[1].compactMap { $0[0].text })
        let unknown = signature.filter { !known.contains($0) }
        if unknown.isEmpty {
            throw RegistryError(
                .unknownColumns,
                "every input column is registered, but no single topology version has all of them; apply a topology "
                    + "that computes them together")
        }
        throw RegistryError(
            .unknownColumns,
            "\(unknown.count) input column\(unknown.count == 1 ? " is" : "s are") in no registered topology: "
                + unknown.joined(separator: ", ") + " (columns are named <view>__<feature>, as in the feature log)")
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { ArtifactStore.hex(SHA256.hash(data: bytes)) }
}
