import Foundation
import GRDB
import SluiceCore
import SluiceRegistry

/// The registry in one SQLite file, through GRDB: the embedded default (`.sluice/registry.sqlite`).
///
/// The file is created on first use, in WAL mode so that readers never wait for a writer. Write
/// transactions are `BEGIN IMMEDIATE`: they take SQLite's write lock first, which serializes them
/// across processes; a writer waits up to `busyTimeout` for another process's lock and then fails
/// with `.storeLocked`. GRDB's blocking calls run on this adapter's own dispatch queue, never on
/// the cooperative thread pool.
public final class SQLiteRegistryDatabase: RegistryDatabase {
    public let location: String
    private let pool: DatabasePool
    /// Where GRDB's blocking calls run; concurrent, as the pool has several readers.
    private let queue = DispatchQueue(label: "sluice.registry.sqlite", attributes: .concurrent)

    public init(path: String, busyTimeout: Duration = .seconds(5)) throws(RegistryError) {
        location = "sqlite:\(path)"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(TimeInterval(busyTimeout.components.seconds))
        configuration.label = "sluice.registry"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.registryError(error, location: "sqlite:\(path)", doing: "open the registry")
        }
    }

    public func read(_ queries: [SQLStatement]) async throws(RegistryError) -> [SQLRows] {
        do {
            return try await blocking { [pool] in
                try pool.read { database in try queries.map { query in try Self.fetch(query, in: database) } }
            }
        } catch {
            throw Self.registryError(error, location: location, doing: "read the registry")
        }
    }

    public func write<Result: Sendable>(
        reads: [SQLStatement], decide: @escaping @Sendable ([SQLRows]) throws(RegistryError) -> WritePlan<Result>
    ) async throws(RegistryError) -> Result {
        do {
            return try await blocking { [pool] in
                try pool.writeWithoutTransaction { database in
                    var result: Result?
                    try database.inTransaction(.immediate) {
                        let rows = try reads.map { query in try Self.fetch(query, in: database) }
                        let plan = try decide(rows)
                        for statement in plan.statements {
                            try database.execute(sql: statement.sql, arguments: Self.arguments(statement))
                        }
                        result = plan.result
                        return .commit
                    }
                    return result!
                }
            }
        } catch {
            throw Self.registryError(error, location: location, doing: "write to the registry")
        }
    }

    public func close() async {
        try? pool.close()
    }

    // MARK: - Helpers

    /// Runs GRDB's synchronous API on `queue`, off the cooperative pool: one thread hop per call,
    /// where GRDB's async API takes two (measured: a `SELECT 1` read went from ~120 to ~35 us).
    private func blocking<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private static func fetch(_ query: SQLStatement, in database: Database) throws -> SQLRows {
        try Row.fetchAll(database, sql: query.sql, arguments: arguments(query)).map { row in
            row.databaseValues.map { value in
                switch value.storage {
                case .null: .null
                case .int64(let integer): .integer(integer)
                case .double(let real): .real(real)
                case .string(let text): .text(text)
                case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                }
            }
        }
    }

    private static func arguments(_ statement: SQLStatement) -> StatementArguments {
        StatementArguments(
            statement.arguments.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let integer): integer.databaseValue
                case .real(let real): real.databaseValue
                case .text(let text): text.databaseValue
                }
            })
    }

    private static func registryError(_ error: any Error, location: String, doing what: String) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if let error = error as? DatabaseError {
            if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                return RegistryError(
                    .storeLocked,
                    "could not \(what) at \(location): another process holds its write lock (waited for the busy "
                        + "timeout); retry, or find the process that keeps the file locked")
            }
            return RegistryError(
                .storeUnavailable, "could not \(what) at \(location): \(error.message ?? "\(error.resultCode)")")
        }
        return RegistryError(.storeUnavailable, "could not \(what) at \(location): \(error)")
    }
}
