import SluiceCore

/// Aliases: atomic moves with optimistic concurrency, and where an alias pointed at any time.
extension Registry {
    /// Points `alias` of `model` at `version`, or deletes it when `version` is nil, as one event.
    /// - Throws: `.conflict` when `expecting` does not hold, saying what the alias points to.
    @discardableResult
    public func moveAlias(
        _ model: String, _ alias: String, to version: Int?, expecting: AliasExpectation = .any, reason: String = "",
        actor: String
    ) async throws(RegistryError) -> AliasMove {
        try RegistryName.validate(model, as: "model name")
        try RegistryName.validateAlias(alias)
        try RegistryName.validateFreeText(reason, as: "the reason", maximumLength: RegistryName.maximumReasonLength)
        let reads = [
            SQLStatement("SELECT latest_version FROM registry_models WHERE name = ?", [.text(model)]),
            SQLStatement(
                "SELECT version FROM registry_aliases WHERE model = ? AND alias = ?", [.text(model), .text(alias)]),
        ]
        return try await append(reads: reads, actor: actor) { rows, _ throws(RegistryError) in
            guard let latest = rows[0].first?.first?.integer else {
                throw RegistryError(.notFound, "no model named \(model) is registered")
            }
            let current = rows[1].first?.first?.integer.map(Int.init)
            if let version, version < 1 || version > latest {
                throw RegistryError(
                    .notFound, "model \(model) has no version \(version) (its versions are 1 to \(latest))")
            }
            if version == nil && current == nil {
                throw RegistryError(.notFound, "model \(model) has no alias \(alias) to delete")
            }
            switch expecting {
            case .any: break
            case .absent where current != nil, .version where current == nil:
                throw Self.conflict(model, alias, current: current, expecting: expecting)
            case .version(let expected) where expected != current:
                throw Self.conflict(model, alias, current: current, expecting: expecting)
            default: break
            }
            let move = AliasMove(model: model, alias: alias, from: current, to: version, reason: reason)
            return ([.aliasMoved(move)], move)
        }
    }

    /// The version `alias` points to now, or pointed to at `time` (epoch ms; the state after the
    /// last event at or before it), with its approval as of then.
    public func resolve(_ model: String, _ alias: String, at time: Int64? = nil) async throws(RegistryError)
        -> ModelVersion
    {
        let rows: SQLRows
        if let time {
            rows = try await self.rows(
                SQLStatement(
                    """
                    SELECT v.body, (SELECT p.approval FROM registry_approvals p
                                    WHERE p.model = m.model AND p.version = m.version AND p.time_ms <= ?
                                    ORDER BY p.sequence DESC LIMIT 1), m.version
                    FROM registry_alias_moves m
                    LEFT JOIN registry_model_versions v ON v.model = m.model AND v.version = m.version
                    WHERE m.model = ? AND m.alias = ? AND m.time_ms <= ?
                    ORDER BY m.sequence DESC LIMIT 1
                    """, [.integer(time), .text(model), .text(alias), .integer(time)]))
        } else {
            rows = try await self.rows(
                SQLStatement(
                    """
                    SELECT v.body, v.approval FROM registry_aliases a
                    JOIN registry_model_versions v ON v.model = a.model AND v.version = a.version
                    WHERE a.model = ? AND a.alias = ?
                    """, [.text(model), .text(alias)]))
        }
        guard let row = rows.first, row[0] != .null else {
            try await requireModel(model)
            if let time {
                let existed = rows.first != nil
                throw RegistryError(
                    .notFound,
                    existed
                        ? "alias \(alias) of model \(model) was deleted by \(Self.timeText(time)) and not set again"
                        : "alias \(alias) of model \(model) did not exist yet at \(Self.timeText(time))")
            }
            throw RegistryError(.notFound, "model \(model) has no alias \(alias)")
        }
        return try Self.decodeVersion(row)
    }

    /// Every alias of `model` with the version it points to now, in one read: what a deployment
    /// loads when it starts or when the change feed says an alias moved.
    public func aliasedVersions(_ model: String) async throws(RegistryError) -> [String: ModelVersion] {
        let rows = try await self.rows(
            SQLStatement(
                """
                SELECT v.body, v.approval, a.alias FROM registry_aliases a
                JOIN registry_model_versions v ON v.model = a.model AND v.version = a.version
                WHERE a.model = ?
                """, [.text(model)]))
        var versions: [String: ModelVersion] = [:]
        for row in rows { versions[row[2].text ?? ""] = try Self.decodeVersion(row) }
        if versions.isEmpty { try await requireModel(model) }
        return versions
    }

    private static func conflict(_ model: String, _ alias: String, current: Int?, expecting: AliasExpectation)
        -> RegistryError
    {
        let found = current.map { "points to version \($0)" } ?? "does not exist"
        let expected =
            switch expecting {
            case .any: "anything"
            case .absent: "it not to exist"
            case .version(let version): "version \(version)"
            }
        return RegistryError(
            .conflict,
            "alias \(alias) of model \(model) \(found), expected \(expected): someone moved it; nothing changed")
    }
}
