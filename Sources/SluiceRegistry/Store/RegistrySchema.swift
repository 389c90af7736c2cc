/// The registry's tables, as numbered migrations. `registry_events` is the source of truth; every
/// other table is a projection of it that `RegistryProjection` keeps current in the same
/// transaction as the event.
///
/// A migration is never edited once released: a new one is appended. A store whose schema version
/// is higher than `currentVersion` was written by a newer Sluice and is refused.
public enum RegistrySchema {
    public struct Migration: Sendable {
        public var version: Int
        public var summary: String
        public var statements: [String]

        public init(version: Int, summary: String, statements: [String]) {
            self.version = version
            self.summary = summary
            self.statements = statements
        }
    }

    /// Created before the migrations run, so that its version can be read on any store.
    static let versionTable = "CREATE TABLE IF NOT EXISTS registry_schema (version BIGINT NOT NULL)"

    public static let migrations: [Migration] = [
        Migration(
            version: 1, summary: "event log, models, versions, aliases, topologies, change-feed position",
            statements: [
                """
                CREATE TABLE registry_events (
                    sequence BIGINT PRIMARY KEY, time_ms BIGINT NOT NULL, actor TEXT NOT NULL, type TEXT NOT NULL,
                    subject_kind TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL)
                """,
                "CREATE INDEX registry_events_by_subject ON registry_events (subject_kind, subject, sequence)",
                """
                CREATE TABLE registry_models (
                    name TEXT PRIMARY KEY, created_ms BIGINT NOT NULL, latest_version BIGINT NOT NULL,
                    updated_sequence BIGINT NOT NULL)
                """,
                """
                CREATE TABLE registry_model_versions (
                    model TEXT NOT NULL, version BIGINT NOT NULL, approval TEXT NOT NULL, registered_ms BIGINT NOT NULL,
                    body TEXT NOT NULL, PRIMARY KEY (model, version))
                """,
                """
                CREATE TABLE registry_version_tags (
                    model TEXT NOT NULL, version BIGINT NOT NULL, tag_key TEXT NOT NULL, tag_value TEXT NOT NULL,
                    PRIMARY KEY (model, version, tag_key))
                """,
                "CREATE INDEX registry_version_tags_by_tag ON registry_version_tags (tag_key, tag_value)",
                """
                CREATE TABLE registry_version_columns (
                    model TEXT NOT NULL, version BIGINT NOT NULL, position BIGINT NOT NULL, topology TEXT NOT NULL,
                    column_name TEXT NOT NULL, PRIMARY KEY (model, version, position))
                """,
                "CREATE INDEX registry_version_columns_by_column ON registry_version_columns (topology, column_name)",
                """
                CREATE TABLE registry_aliases (
                    model TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL, sequence BIGINT NOT NULL,
                    time_ms BIGINT NOT NULL, PRIMARY KEY (model, alias))
                """,
                """
                CREATE TABLE registry_alias_moves (
                    model TEXT NOT NULL, alias TEXT NOT NULL, sequence BIGINT NOT NULL, time_ms BIGINT NOT NULL,
                    version BIGINT, PRIMARY KEY (model, alias, sequence))
                """,
                """
                CREATE TABLE registry_approvals (
                    model TEXT NOT NULL, version BIGINT NOT NULL, sequence BIGINT NOT NULL, time_ms BIGINT NOT NULL,
                    approval TEXT NOT NULL, PRIMARY KEY (model, version, sequence))
                """,
                """
                CREATE TABLE registry_topologies (
                    name TEXT NOT NULL, version BIGINT NOT NULL, content_hash TEXT NOT NULL, applied_ms BIGINT NOT NULL,
                    body TEXT NOT NULL, PRIMARY KEY (name, version))
                """,
                """
                CREATE TABLE registry_topology_columns (
                    name TEXT NOT NULL, version BIGINT NOT NULL, column_name TEXT NOT NULL,
                    PRIMARY KEY (name, version, column_name))
                """,
                "CREATE INDEX registry_topology_columns_by_column ON registry_topology_columns (column_name)",
                "CREATE TABLE registry_feed (id BIGINT PRIMARY KEY, published_sequence BIGINT NOT NULL)",
                "INSERT INTO registry_feed (id, published_sequence) VALUES (1, 0)",
            ]),
        Migration(
            version: 2, summary: "deployments: how each model's scoring traffic goes to its versions",
            statements: [
                """
                CREATE TABLE registry_deployments (
                    model TEXT PRIMARY KEY, body TEXT NOT NULL, sequence BIGINT NOT NULL, time_ms BIGINT NOT NULL)
                """
            ]),
    ]

    public static var currentVersion: Int { migrations.last?.version ?? 0 }
}
