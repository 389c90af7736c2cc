import Foundation
import SluiceCore
import Testing

@testable import SluiceRegistry

/// One suite, run on every backend: what the registry promises does not depend on the database.
@Suite("Registry conformance")
struct RegistryConformanceTests {
    @Test("A fresh store opens empty, twice", arguments: RegistryBackend.allCases)
    func freshStore(backend: RegistryBackend) async throws {
        try await backend.withDatabase { database in
            let registry = try await Registry.open(database)
            #expect(try await registry.models().isEmpty)
            #expect(try await registry.headSequence() == 0)
            let again = try await Registry.open(database)
            #expect(try await again.headSequence() == 0)
        }
    }

    @Test("Versions count from 1 per model and record their lineage", arguments: RegistryBackend.allCases)
    func registersVersions(backend: RegistryBackend) async throws {
        let clock = ManualClock(5_000)
        try await backend.withRegistry(clock: clock) { registry in
            let topology = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana").applied
            let first = try await registry.register(RegistryFixtures.draft(), actor: "ana")
            clock.set(6_000)
            let second = try await registry.register(RegistryFixtures.draft(), actor: "bo")
            let other = try await registry.register(RegistryFixtures.draft("other"), actor: "bo")
            let numbers: [Int] = [first.version, second.version, other.version]
            #expect(numbers == [1, 2, 1])
            #expect(first.lineage.topology == topology?.reference)
            #expect(first.approval == .pending && first.registeredBy == "ana" && first.registeredAt == 5_000)
            #expect(second.registeredAt == 6_000)
            #expect(try await registry.version("fraud-model", 2) == second)
            #expect(try await registry.versions("fraud-model") == [first, second])
            #expect(try await registry.models().map(\.name) == ["fraud-model", "other"])
            #expect(try await registry.model("fraud-model").latestVersion == 2)
            let history = try await registry.history("fraud-model")
            #expect(history.map(\.sequence) == [2, 3])
            #expect(history.map(\.change.type) == ["version_registered", "version_registered"])
        }
    }

    @Test("A signature with unknown columns registers nothing", arguments: RegistryBackend.allCases)
    func unknownColumns(backend: RegistryBackend) async throws {
        try await backend.withRegistry { registry in
            let noTopology = await #expect(throws: RegistryError.self) {
                try await registry.register(RegistryFixtures.draft(), actor: "ana")
            }
            #expect(noTopology?.code == .unknownColumns)
            #expect(noTopology?.message.contains("sluice features apply") == true)
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            let head = try await registry.headSequence()
            let error = await #expect(throws: RegistryError.self) {
                try await registry.register(
                    RegistryFixtures.draft(columns: ["card__txn_count_1h", "card__nope", "device__missing"]),
                    actor: "ana")
            }
            #expect(error?.code == .unknownColumns)
            #expect(error?.message.contains("card__nope, device__missing") == true)
            #expect(try await registry.headSequence() == head)
            await #expect(throws: RegistryError.self) { try await registry.version("fraud-model", 1) }
        }
    }

    @Test("resolve --at answers before, between and after moves", arguments: RegistryBackend.allCases)
    func resolvesAtPastTimes(backend: RegistryBackend) async throws {
        let clock = ManualClock(500)
        try await backend.withRegistry(clock: clock) { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            for _ in 1...3 { _ = try await registry.register(RegistryFixtures.draft(), actor: "ana") }
            clock.set(1_000)
            try await registry.moveAlias("fraud-model", "champion", to: 1, reason: "first", actor: "ana")
            clock.set(2_000)
            try await registry.moveAlias("fraud-model", "champion", to: 2, reason: "better auc", actor: "bo")
            clock.set(3_000)
            try await registry.moveAlias("fraud-model", "champion", to: nil, reason: "incident", actor: "bo")
            clock.set(4_000)
            try await registry.moveAlias("fraud-model", "champion", to: 3, actor: "cy")

            let expected: [(Int64, Int?)] = [
                (999, nil), (1_000, 1), (1_999, 1), (2_000, 2), (2_999, 2), (3_000, nil), (3_999, nil), (4_000, 3),
                (10_000, 3),
            ]
            for (time, version) in expected {
                if let version {
                    #expect(
                        try await registry.resolve("fraud-model", "champion", at: time).version == version, "at \(time)"
                    )
                } else {
                    let error = await #expect(throws: RegistryError.self, "at \(time)") {
                        try await registry.resolve("fraud-model", "champion", at: time)
                    }
                    #expect(error?.code == .notFound)
                    #expect(error?.message.contains(time < 1_000 ? "did not exist yet" : "was deleted by") == true)
                }
            }
            #expect(try await registry.resolve("fraud-model", "champion").version == 3)
            let moves = try await registry.history("fraud-model").compactMap { event -> AliasMove? in
                if case .aliasMoved(let move) = event.change { return move }
                return nil
            }
            #expect(moves.map(\.from) == [nil, 1, 2, nil])
            #expect(moves.map(\.to) == [1, 2, nil, 3])
            #expect(moves.map(\.reason) == ["first", "better auc", "incident", ""])
            let unknown = await #expect(throws: RegistryError.self) {
                try await registry.resolve("fraud-model", "nope")
            }
            #expect(unknown?.message == "model fraud-model has no alias nope")
            let noModel = await #expect(throws: RegistryError.self) { try await registry.resolve("nope", "champion") }
            #expect(noModel?.message == "no model named nope is registered")
        }
    }

    @Test("Event times never go backwards, so past times stay answerable", arguments: RegistryBackend.allCases)
    func monotonicTimes(backend: RegistryBackend) async throws {
        let clock = ManualClock(9_000)
        try await backend.withRegistry(clock: clock) { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            _ = try await registry.register(RegistryFixtures.draft(), actor: "ana")
            clock.set(8_000)
            try await registry.moveAlias("fraud-model", "champion", to: 1, actor: "ana")
            let events = try await registry.events(after: 0)
            #expect(events.map(\.time) == [9_000, 9_000, 9_000])
            #expect(events.map(\.sequence) == [1, 2, 3])
        }
    }

    @Test("--expect-version: a stale move fails saying what it found", arguments: RegistryBackend.allCases)
    func optimisticConcurrency(backend: RegistryBackend) async throws {
        try await backend.withRegistry { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            for _ in 1...2 { _ = try await registry.register(RegistryFixtures.draft(), actor: "ana") }
            try await registry.moveAlias("fraud-model", "champion", to: 1, expecting: .absent, actor: "ana")
            let head = try await registry.headSequence()
            let taken = await #expect(throws: RegistryError.self) {
                try await registry.moveAlias("fraud-model", "champion", to: 2, expecting: .absent, actor: "bo")
            }
            #expect(taken?.code == .conflict)
            #expect(taken?.message.contains("points to version 1, expected it not to exist") == true)
            let stale = await #expect(throws: RegistryError.self) {
                try await registry.moveAlias("fraud-model", "champion", to: 2, expecting: .version(2), actor: "bo")
            }
            #expect(stale?.code == .conflict)
            #expect(try await registry.headSequence() == head)
            try await registry.moveAlias("fraud-model", "champion", to: 2, expecting: .version(1), actor: "bo")
            #expect(try await registry.resolve("fraud-model", "champion").version == 2)
            let missing = await #expect(throws: RegistryError.self) {
                try await registry.moveAlias("fraud-model", "champion", to: 9, actor: "bo")
            }
            #expect(missing?.message == "model fraud-model has no version 9 (its versions are 1 to 2)")
        }
    }

    @Test("Approvals are events, readable as of a past time", arguments: RegistryBackend.allCases)
    func approvals(backend: RegistryBackend) async throws {
        let clock = ManualClock(1_000)
        try await backend.withRegistry(clock: clock) { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            _ = try await registry.register(RegistryFixtures.draft(), actor: "ana")
            try await registry.moveAlias("fraud-model", "champion", to: 1, actor: "ana")
            clock.set(2_000)
            try await registry.setApproval("fraud-model", 1, to: .approved, reason: "reviewed", actor: "risk-lead")
            clock.set(3_000)
            try await registry.setApproval("fraud-model", 1, to: .rejected, reason: "leak found", actor: "risk-lead")
            #expect(try await registry.version("fraud-model", 1).approval == .rejected)
            #expect(try await registry.resolve("fraud-model", "champion", at: 1_500).approval == .pending)
            #expect(try await registry.resolve("fraud-model", "champion", at: 2_500).approval == .approved)
            #expect(try await registry.resolve("fraud-model", "champion", at: 3_000).approval == .rejected)
            let changes = try await registry.history("fraud-model").compactMap { event -> ApprovalChange? in
                if case .approvalChanged(let change) = event.change { return change }
                return nil
            }
            #expect(changes.map(\.to) == [.approved, .rejected])
            #expect(changes.map(\.from) == [.pending, .approved])
        }
    }

    @Test("Tags and aliases find versions across models", arguments: RegistryBackend.allCases)
    func search(backend: RegistryBackend) async throws {
        try await backend.withRegistry { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            _ = try await registry.register(
                RegistryFixtures.draft("a", tags: ["team": "risk", "stage": "exp"]), actor: "ana")
            _ = try await registry.register(RegistryFixtures.draft("b", tags: ["team": "payments"]), actor: "ana")
            _ = try await registry.register(RegistryFixtures.draft("b", tags: ["team": "risk"]), actor: "ana")
            try await registry.moveAlias("b", "champion", to: 1, actor: "ana")
            #expect(
                try await registry.versions(taggedWith: "team", value: "risk").map { "\($0.model)/\($0.version)" } == [
                    "a/1", "b/2",
                ])
            #expect(try await registry.versions(taggedWith: "stage").map(\.model) == ["a"])
            #expect(try await registry.versions(aliasedAs: "champion").map { "\($0.model)/\($0.version)" } == ["b/1"])
            #expect(try await registry.model("b").aliases == ["champion": 1])
        }
    }

    @Test(
        "Applying a topology plans it, registers by content hash, and guards aliased models",
        arguments: RegistryBackend.allCases)
    func topologies(backend: RegistryBackend) async throws {
        let clock = ManualClock(1_000)
        try await backend.withRegistry(clock: clock) { registry in
            let fraud = try RegistryFixtures.fraudTopology()
            let first = try await registry.apply(fraud, actor: "ana")
            #expect(first.plan.current == nil && first.plan.viewsAdded == ["card", "merchant", "device"])
            #expect(first.applied?.version == 1)
            #expect(
                first.plan.columnsAdded.count == fraud.views.reduce(0) { $0 + $1.features.count + $1.onDemand.count })
            let same = try await registry.apply(fraud, actor: "ana")
            #expect(same.applied == nil && !same.plan.changesAnything)

            _ = try await registry.register(RegistryFixtures.draft(), actor: "ana")
            try await registry.moveAlias("fraud-model", "champion", to: 1, actor: "ana")
            var changed = fraud
            changed.views[0].features[1].window = 2 * 3_600_000
            changed.views[2].features.removeAll()
            let plan = try await registry.plan(changed)
            #expect(plan.columnsChanged.map(\.column) == ["card__txn_count_1h"])
            #expect(plan.columnsChanged.first?.changes == [.init(property: "window", from: "1h", to: "2h")])
            #expect(plan.columnsRemoved == ["device__txn_count_1h", "device__distinct_cards_24h"])
            let head = try await registry.headSequence()
            let refused = await #expect(throws: RegistryError.self) { try await registry.apply(changed, actor: "bo") }
            #expect(refused?.code == .refused)
            #expect(refused?.message.contains("fraud-model@champion (version 1) reads card__txn_count_1h") == true)
            #expect(try await registry.headSequence() == head)

            clock.set(2_000)
            let forced = try await registry.apply(changed, actor: "bo", force: true)
            #expect(forced.applied?.version == 2)
            #expect(try await registry.latestTopology(named: "fraud")?.contentHash == forced.applied?.contentHash)
            let entry = try #require(try await registry.features(view: "card", feature: "txn_count_1h").first)
            #expect(
                entry.window == 2 * 3_600_000 && entry.topologyVersions == [1, 2] && entry.firstRegistered == 1_000)
            #expect(entry.usedBy == [FeatureUsage(model: "fraud-model", version: 1, aliases: ["champion"])])
            let removed = try #require(try await registry.features(view: "device", feature: "txn_count_1h").first)
            #expect(removed.topologyVersions == [1])
        }
    }

    @Test("Names outside the charset are refused", arguments: RegistryBackend.allCases)
    func invalidNames(backend: RegistryBackend) async throws {
        try await backend.withRegistry { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            for name in ["", "has space", "a/b", "x@y", String(repeating: "n", count: 65), "-lead", "ünï"] {
                let error = await #expect(throws: RegistryError.self, "\(name)") {
                    try await registry.register(RegistryFixtures.draft(name), actor: "ana")
                }
                #expect(error?.code == .invalidArgument)
            }
            _ = try await registry.register(RegistryFixtures.draft(), actor: "ana")
            let alias = await #expect(throws: RegistryError.self) {
                try await registry.moveAlias("fraud-model", "2", to: 1, actor: "ana")
            }
            #expect(alias?.message.contains("must start with a letter") == true)
            var nan = RegistryFixtures.draft()
            nan.metrics = ["auc": .nan]
            await #expect(throws: RegistryError.self) { try await registry.register(nan, actor: "ana") }
        }
    }

    @Test("A store with a newer schema is refused", arguments: RegistryBackend.allCases)
    func newerSchema(backend: RegistryBackend) async throws {
        try await backend.withDatabase { database in
            _ = try await Registry.open(database)
            try await database.write(reads: []) { _ throws(RegistryError) in
                WritePlan(statements: [SQLStatement("UPDATE registry_schema SET version = 99")], result: ())
            }
            let error = await #expect(throws: RegistryError.self) { try await Registry.open(database) }
            #expect(error?.code == .schemaTooNew)
            #expect(error?.message.contains("schema version 99") == true)
        }
    }

    @Test("An older store is migrated in place and keeps its events", arguments: RegistryBackend.allCases)
    func migratesOlderStore(backend: RegistryBackend) async throws {
        try await backend.withDatabase { database in
            let old = try await Registry.open(database)
            _ = try await old.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            _ = try await old.register(RegistryFixtures.draft(), actor: "ana")
            let next = RegistrySchema.Migration(
                version: RegistrySchema.currentVersion + 1, summary: "test",
                statements: ["CREATE TABLE registry_test_extra (id BIGINT PRIMARY KEY)"])
            let upgraded = try await Registry.open(
                database, clock: Registry.wallClock, migrations: RegistrySchema.migrations + [next])
            #expect(try await upgraded.version("fraud-model", 1).signature == RegistryFixtures.draft().signature)
            let version = try await database.read([
                SQLStatement("SELECT version FROM registry_schema"),
                SQLStatement("SELECT COUNT(*) FROM registry_test_extra"),
            ])
            #expect(version[0].first?.first == .integer(Int64(next.version)))
            let error = await #expect(throws: RegistryError.self) { try await Registry.open(database) }
            #expect(error?.code == .schemaTooNew)
        }
    }
}
