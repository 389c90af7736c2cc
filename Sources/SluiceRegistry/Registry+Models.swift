import SluiceCore

/// Model versions: registration, lookup and search.
extension Registry {
    /// Registers the next version of `draft.model` (1 for a new model), pending approval. Its
    /// signature must be columns of one registered topology version, which the lineage records.
    public func register(_ draft: ModelVersionDraft, actor: String) async throws(RegistryError) -> ModelVersion {
        try Self.validate(draft)
        let topology = try await topology(covering: draft.signature, trainingSet: draft.trainingSet)
        let latest = SQLStatement("SELECT latest_version FROM registry_models WHERE name = ?", [.text(draft.model)])
        return try await append(reads: [latest], actor: actor) { rows, stamp throws(RegistryError) in
            let record = ModelVersion(
                model: draft.model, version: Int(rows[0].first?.first?.integer ?? 0) + 1, format: draft.format,
                artifact: draft.artifact, signature: draft.signature, metrics: draft.metrics, tags: draft.tags,
                description: draft.description,
                lineage: ModelLineage(
                    topology: topology, trainingSet: draft.trainingSet, sluiceVersion: draft.sluiceVersion),
                approval: .pending, registeredAt: stamp.time, registeredBy: stamp.actor)
            return ([.versionRegistered(record)], record)
        }
    }

    /// One version, with its approval as it is now.
    public func version(_ model: String, _ version: Int) async throws(RegistryError) -> ModelVersion {
        let rows = try await rows(
            SQLStatement(
                "SELECT body, approval FROM registry_model_versions WHERE model = ? AND version = ?",
                [.text(model), SQLValue(version)]))
        guard let row = rows.first else {
            try await requireModel(model)
            throw RegistryError(.notFound, "model \(model) has no version \(version)")
        }
        return try Self.decodeVersion(row)
    }

    /// Every version of a model, oldest first.
    public func versions(_ model: String) async throws(RegistryError) -> [ModelVersion] {
        let rows = try await rows(
            SQLStatement(
                "SELECT body, approval FROM registry_model_versions WHERE model = ? ORDER BY version", [.text(model)]))
        if rows.isEmpty { try await requireModel(model) }
        return try rows.map { row throws(RegistryError) in try Self.decodeVersion(row) }
    }

    /// Every model, by name, with its aliases.
    public func models() async throws(RegistryError) -> [ModelSummary] {
        let results = try await database.read([
            SQLStatement("SELECT name, created_ms, latest_version FROM registry_models ORDER BY name"),
            SQLStatement("SELECT model, alias, version FROM registry_aliases ORDER BY model, alias"),
        ])
        var aliases: [String: [String: Int]] = [:]
        for row in results[1] {
            aliases[row[0].text ?? "", default: [:]][row[1].text ?? ""] = Int(row[2].integer ?? 0)
        }
        return results[0].map { row in
            let name = row[0].text ?? ""
            return ModelSummary(
                name: name, createdAt: row[1].integer ?? 0, latestVersion: Int(row[2].integer ?? 0),
                aliases: aliases[name] ?? [:])
        }
    }

    /// The summary of one model.
    public func model(_ name: String) async throws(RegistryError) -> ModelSummary {
        guard let summary = try await models().first(where: { $0.name == name }) else {
            throw RegistryError(.notFound, "no model named \(name) is registered")
        }
        return summary
    }

    /// Versions carrying tag `key` (with `value`, if given), of every model.
    public func versions(taggedWith key: String, value: String? = nil) async throws(RegistryError) -> [ModelVersion] {
        var query = SQLStatement(
            """
            SELECT v.body, v.approval FROM registry_version_tags t
            JOIN registry_model_versions v ON v.model = t.model AND v.version = t.version
            WHERE t.tag_key = ?
            """, [.text(key)])
        if let value {
            query.sql += " AND t.tag_value = ?"
            query.arguments.append(.text(value))
        }
        query.sql += " ORDER BY v.model, v.version"
        return try await rows(query).map { row throws(RegistryError) in try Self.decodeVersion(row) }
    }

    /// The versions an alias named `alias` points to now, of every model.
    public func versions(aliasedAs alias: String) async throws(RegistryError) -> [ModelVersion] {
        try await rows(
            SQLStatement(
                """
                SELECT v.body, v.approval FROM registry_aliases a
                JOIN registry_model_versions v ON v.model = a.model AND v.version = a.version
                WHERE a.alias = ? ORDER BY v.model
                """, [.text(alias)])
        ).map { row throws(RegistryError) in try Self.decodeVersion(row) }
    }

    // MARK: - Helpers

    func requireModel(_ model: String) async throws(RegistryError) {
        let found = try await rows(SQLStatement("SELECT name FROM registry_models WHERE name = ?", [.text(model)]))
        if found.isEmpty { throw RegistryError(.notFound, "no model named \(model) is registered") }
    }

    /// A version from its stored body and its approval column (the body keeps the registered form).
    static func decodeVersion(_ row: [SQLValue]) throws(RegistryError) -> ModelVersion {
        var version = try RegistryJSON.decode(ModelVersion.self, row[0].text, what: "a stored model version")
        if let approval = row.count > 1 ? row[1].text.flatMap(Approval.init(rawValue:)) : nil {
            version.approval = approval
        }
        return version
    }

    static func validate(_ draft: ModelVersionDraft) throws(RegistryError) {
        try RegistryName.validate(draft.model, as: "model name")
        try RegistryName.validate(draft.format, as: "format")
        guard !draft.signature.isEmpty else {
            throw RegistryError(.invalidArgument, "model \(draft.model) has no input columns")
        }
        var seen = Set<String>()
        for column in draft.signature where !seen.insert(column).inserted {
            throw RegistryError(.invalidArgument, "input column \(column) is listed twice")
        }
        for (key, value) in draft.metrics {
            try RegistryName.validate(key, as: "metric name")
            guard value.isFinite else {
                throw RegistryError(.invalidArgument, "metric \(key) is \(value); metrics are finite numbers")
            }
        }
        for (key, value) in draft.tags {
            try RegistryName.validate(key, as: "tag name")
            try RegistryName.validateFreeText(
                value, as: "tag \(key)", maximumLength: RegistryName.maximumTagValueLength)
        }
        try RegistryName.validateFreeText(
            draft.description, as: "the description", maximumLength: RegistryName.maximumReasonLength)
    }
}
