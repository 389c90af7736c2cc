/// The storage a `Registry` runs on: something that runs shared-dialect SQL in transactions.
/// Everything the registry knows (schema, migrations, queries, the projection of events into
/// tables) is SQL written once in this module; a backend only runs it.
///
/// Contracts every backend keeps (the conformance suite checks them on each):
/// - `read` runs its queries in one transaction and sees one consistent state.
/// - `write` transactions are serialized across every process that uses the store: it takes the
///   store's write lock, runs `reads`, passes their rows to `decide`, runs the statements `decide`
///   returns and commits. If anything throws, nothing is written.
/// - Errors are `RegistryError`s: `.storeLocked` when the lock is not free within the backend's
///   busy timeout, `.storeUnavailable` when the store cannot be reached or a statement fails.
public protocol RegistryDatabase: Sendable {
    /// A short description for messages: `sqlite:/path/registry.sqlite` or `postgres://host:port/db`.
    var location: String { get }

    func read(_ queries: [SQLStatement]) async throws(RegistryError) -> [SQLRows]

    func write<Result: Sendable>(
        reads: [SQLStatement], decide: @escaping @Sendable ([SQLRows]) throws(RegistryError) -> WritePlan<Result>
    ) async throws(RegistryError) -> Result

    /// Releases the connections; the database is not used afterwards.
    func close() async
}

/// What a write transaction does once its reads are in: the statements to run, and the value
/// the write returns to its caller after the commit.
public struct WritePlan<Result: Sendable>: Sendable {
    public var statements: [SQLStatement]
    public var result: Result

    public init(statements: [SQLStatement], result: Result) {
        self.statements = statements
        self.result = result
    }
}
