import SluiceCore

/// Brings a store's schema to `RegistrySchema.currentVersion`, or refuses a store whose schema is
/// newer. Runs under the store's write lock, so concurrent first uses migrate once.
enum RegistryMigrator {
    static func migrate(
        _ database: any RegistryDatabase, migrations: [RegistrySchema.Migration] = RegistrySchema.migrations
    ) async throws(RegistryError) {
        let known = migrations.last?.version ?? 0
        // The common case, an up-to-date store, needs no write lock. A missing version table fails
        // this read; the write below then creates it.
        if let found = try? await database.read([SQLStatement("SELECT version FROM registry_schema")]),
            let version = found[0].first?.first?.integer, version == known
        {
            return
        }
        _ = try await database.write(reads: []) { _ throws(RegistryError) in
            WritePlan(statements: [SQLStatement(RegistrySchema.versionTable)], result: ())
        }
        let location = database.location
        try await database.write(reads: [SQLStatement("SELECT version FROM registry_schema")]) {
            rows throws(RegistryError) in
            let stored = rows[0].first?.first?.integer.map(Int.init)
            let current = stored ?? 0
            guard current <= known else {
                throw RegistryError(
                    .schemaTooNew,
                    "the registry at \(location) has schema version \(current), written by a newer Sluice; this one "
                        + "knows versions up to \(known). Upgrade sluice to use this registry.")
            }
            var statements: [SQLStatement] = []
            for migration in migrations where migration.version > current {
                statements += migration.statements.map { SQLStatement($0) }
            }
            statements.append(
                stored == nil
                    ? SQLStatement("INSERT INTO registry_schema (version) VALUES (?)", [SQLValue(known)])
                    : SQLStatement("UPDATE registry_schema SET version = ?", [SQLValue(known)]))
            return WritePlan(statements: current == known ? [] : statements, result: ())
        }
    }
}
