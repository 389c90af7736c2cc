import Foundation
import Logging
import PostgresNIO
import SluiceCore
import SluiceRegistry

/// The registry in a PostgreSQL database, through postgres-nio: for registries shared across
/// machines (`--registry postgres://user:password@host:port/db` or `SLUICE_REGISTRY_URL`).
///
/// One connection, used by one operation at a time (the actor) and opened again after it breaks.
/// Write transactions take a transaction-scoped advisory lock first, which serializes them across
/// every client of the database; a writer waits up to `lockTimeout` (PostgreSQL's `lock_timeout`)
/// and then fails with `.storeLocked`. Reads run in a read-only repeatable-read transaction.
public actor PostgresRegistryDatabase: RegistryDatabase {
    public nonisolated let location: String
    private let configuration: PostgresConnection.Configuration
    private let lockTimeout: Duration
    private let logger: Logger
    private var connection: PostgresConnection?
    private var nextConnectionID = 1

    /// The advisory lock key of registry writes: "sluice.registry" hashed, fixed forever.
    static let writeLockKey: Int64 = 0x736C_7569_6365_7267

    /// - Parameter url: `postgres://user[:password]@host[:port]/database` (also `postgresql://`).
    public init(url: String, lockTimeout: Duration = .seconds(5), logger: Logger = Logger(label: "sluice.registry"))
        throws(RegistryError)
    {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw RegistryError(
                .invalidArgument,
                "'\(Self.redacted(url))' is not a PostgreSQL URL; write postgres://user:password@host:port/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.connectTimeout = .seconds(5)
        self.configuration = configuration
        self.location = "postgres://\(host):\(components.port ?? 5432)/\(database)"
        self.lockTimeout = lockTimeout
        self.logger = logger
    }

    public func read(_ queries: [SQLStatement]) async throws(RegistryError) -> [SQLRows] {
        // One statement sees one snapshot by itself: no transaction, one round trip instead of three.
        if queries.count == 1 {
            let connection = try await connected()
            do {
                return [try await fetch(queries[0], on: connection)]
            } catch {
                if connection.isClosed { self.connection = nil }
                throw registryError(error, doing: "read the registry")
            }
        }
        return try await transaction(
            begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", doing: "read the registry"
        ) { connection in
            var results: [SQLRows] = []
            for query in queries { results.append(try await self.fetch(query, on: connection)) }
            return results
        }
    }

    public func write<Result: Sendable>(
        reads: [SQLStatement], decide: @escaping @Sendable ([SQLRows]) throws(RegistryError) -> WritePlan<Result>
    ) async throws(RegistryError) -> Result {
        try await transaction(begin: "BEGIN", doing: "write to the registry") { connection in
            _ = try await self.fetch(
                SQLStatement("SELECT pg_advisory_xact_lock(?)", [.integer(Self.writeLockKey)]), on: connection)
            var rows: [SQLRows] = []
            for query in reads { rows.append(try await self.fetch(query, on: connection)) }
            let plan = try decide(rows)
            for statement in plan.statements { _ = try await self.fetch(statement, on: connection) }
            return plan.result
        }
    }

    public func close() async {
        if let connection { try? await connection.close() }
        connection = nil
    }

    // MARK: - Transactions

    private func transaction<Value: Sendable>(
        begin: String, doing what: String, _ body: (PostgresConnection) async throws -> Value
    ) async throws(RegistryError) -> Value {
        let connection = try await connected()
        do {
            try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            if connection.isClosed {
                self.connection = nil
            } else {
                _ = try? await connection.query("ROLLBACK", logger: logger)
            }
            throw registryError(error, doing: what)
        }
    }

    private func connected() async throws(RegistryError) -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        do {
            let opened = try await PostgresConnection.connect(
                configuration: configuration, id: nextConnectionID, logger: logger)
            nextConnectionID += 1
            let milliseconds =
                lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
            try await opened.query(PostgresQuery(unsafeSQL: "SET lock_timeout = \(milliseconds)"), logger: logger)
            connection = opened
            return opened
        } catch {
            throw registryError(error, doing: "connect to the registry")
        }
    }

    // MARK: - Statements

    private func fetch(_ statement: SQLStatement, on connection: PostgresConnection) async throws -> SQLRows {
        var binds = PostgresBindings(capacity: statement.arguments.count)
        for argument in statement.arguments {
            switch argument {
            case .null: binds.appendNull()
            case .integer(let integer): binds.append(integer)
            case .real(let real): binds.append(real)
            case .text(let text): binds.append(text)
            }
        }
        var rows: SQLRows = []
        for try await row in try await connection.query(
            PostgresQuery(unsafeSQL: statement.numberedSQL, binds: binds), logger: logger)
        {
            var values: [SQLValue] = []
            for cell in row { values.append(try Self.value(of: cell)) }
            rows.append(values)
        }
        return rows
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8: return .integer(try cell.decode(Int64.self))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float8: return .real(try cell.decode(Double.self))
        case .float4: return .real(Double(try cell.decode(Float.self)))
        case .void: return .null
        default: return .text(try cell.decode(String.self))
        }
    }

    // MARK: - Errors

    private func registryError(_ error: any Error, doing what: String) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                let state = server[.sqlState] ?? ""
                let message = server[.message] ?? "server error"
                if state == "55P03" {
                    return RegistryError(
                        .storeLocked,
                        "could not \(what) at \(location): another client holds its write lock longer than "
                            + "\(lockTimeout) (\(message)); retry")
                }
                return RegistryError(
                    .storeUnavailable, "could not \(what) at \(location): \(message) (SQLSTATE \(state))")
            }
            let cause = error.underlying.map { " (\($0))" } ?? ""
            return RegistryError(
                .storeUnavailable,
                "could not \(what) at \(location): \(error.code)\(cause); is PostgreSQL running and the URL right?")
        }
        return RegistryError(.storeUnavailable, "could not \(what) at \(location): \(error)")
    }

    private static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
