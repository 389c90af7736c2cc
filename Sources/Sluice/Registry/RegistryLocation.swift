import Foundation
import Logging
import SluiceCore
import SluiceRegistry
import SluiceRegistryPostgres
import SluiceRegistrySQLite

/// Where the registry lives: `--registry`, else `SLUICE_REGISTRY_URL`, else the SQLite file
/// `.sluice/registry.sqlite`. A `postgres://` or `postgresql://` URL means PostgreSQL; anything
/// else (a path, or `sqlite:PATH`) a SQLite file.
public enum RegistryLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public static let defaultSQLitePath = ".sluice/registry.sqlite"
    public static let environmentVariable = "SLUICE_REGISTRY_URL"

    public init(_ argument: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let text = argument ?? environment[Self.environmentVariable] ?? Self.defaultSQLitePath
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else {
            self = .sqlite(path: text)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url):
            URLComponents(string: url).map { "postgres://\($0.host ?? ""):\($0.port ?? 5432)\($0.path)" } ?? "postgres"
        }
    }

    /// Opens the database, and the registry on it (creating or migrating the schema).
    /// A SQLite file that is there, or a PostgreSQL URL (whose database is not checked).
    public var exists: Bool {
        switch self {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgres: true
        }
    }

    public func open(logger: Logger = Logger(label: "sluice.registry")) async throws(RegistryError) -> Registry {
        let database: any RegistryDatabase =
            switch self {
            case .sqlite(let path): try SQLiteRegistryDatabase(path: path)
            case .postgres(let url): try PostgresRegistryDatabase(url: url, logger: logger)
            }
        do {
            return try await Registry.open(database)
        } catch {
            await database.close()
            throw error
        }
    }
}
