import Foundation
import SluiceCore
import SluiceRegistry
import SluiceRegistryPostgres
import SluiceRegistrySQLite
import SluiceTesting
import SluiceTopology
import Synchronization
import Testing

/// The backends the conformance suite runs on: a fresh SQLite file, or a fresh database on the
/// stack's PostgreSQL server.
enum RegistryBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A fresh store: a SQLite file in a new folder, or a new PostgreSQL database.
    func location() async throws -> String {
        switch self {
        case .sqlite:
            FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("registry"))
                .appendingPathComponent("registry.sqlite").path
        case .postgres:
            try await TestServices.freshPostgresDatabase("registry")
        }
    }

    func database(at location: String) throws -> any RegistryDatabase {
        switch self {
        case .sqlite: try SQLiteRegistryDatabase(path: location)
        case .postgres: try PostgresRegistryDatabase(url: location)
        }
    }

    func remove(_ location: String) async throws {
        switch self {
        case .sqlite: try? FileManager.default.removeItem(atPath: (location as NSString).deletingLastPathComponent)
        case .postgres: try await TestServices.dropPostgresDatabase(location)
        }
    }

    /// Runs `body` with a fresh store's location, then removes the store.
    func withLocation(_ body: (String) async throws -> Void) async throws {
        let location = try await location()
        do {
            try await body(location)
        } catch {
            try? await remove(location)
            throw error
        }
        try await remove(location)
    }

    /// Runs `body` on a fresh store's database, then closes and removes the store.
    func withDatabase(_ body: (any RegistryDatabase) async throws -> Void) async throws {
        try await withLocation { location in
            let database = try database(at: location)
            do {
                try await body(database)
            } catch {
                await database.close()
                throw error
            }
            await database.close()
        }
    }

    /// Runs `body` on a registry over a fresh store, then closes and removes the store.
    func withRegistry(clock: ManualClock = ManualClock(), _ body: (Registry) async throws -> Void) async throws {
        try await withDatabase { database in try await body(try await Registry.open(database, clock: clock.read)) }
    }
}

/// Event times under the test's control.
final class ManualClock: Sendable {
    private let now: Atomic<Int64>

    init(_ start: Int64 = 1_000) { now = Atomic(start) }

    func set(_ time: Int64) { now.store(time, ordering: .relaxed) }

    var read: @Sendable () -> Int64 { { self.now.load(ordering: .relaxed) } }
}

enum RegistryFixtures {
    static func fraudTopology() throws -> Topology {
        try TopologyLoader.load(file: TestRepository.path("topologies/fraud.yaml"))
    }

    static func draft(_ model: String = "fraud-model", columns: [String]? = nil, tags: [String: String] = [:])
        -> ModelVersionDraft
    {
        ModelVersionDraft(
            model: model, format: "xgboost-json",
            artifact: ArtifactReference(sha256: String(repeating: "ab", count: 32), bytes: 10, originalName: "m.json"),
            signature: columns ?? ["card__txn_count_1h", "card__amount_to_avg_24h", "merchant__txn_count_1h"],
            metrics: ["auc": 0.93], tags: tags, description: "test model", sluiceVersion: "test")
    }
}
