import Foundation
import SluiceCore

/// The model and feature registry over any `RegistryDatabase`: every change is an event appended
/// to the log in a serialized transaction that also updates the derived tables, and every query
/// reads those tables (or the log, for history and past times).
///
/// A `Registry` is a value over a shared database handle; copies share it, and it is safe to use
/// from any task.
public struct Registry: Sendable {
    public let database: any RegistryDatabase
    let clock: @Sendable () -> Int64

    /// Opens a registry on `database`, creating or migrating its schema first.
    /// - Parameter clock: epoch milliseconds of "now", for event times.
    public static func open(
        _ database: any RegistryDatabase, clock: @escaping @Sendable () -> Int64 = Registry.wallClock
    ) async throws(RegistryError) -> Registry {
        try await open(database, clock: clock, migrations: RegistrySchema.migrations)
    }

    /// Opens with a given list of migrations: how tests check the upgrade of an older store.
    static func open(
        _ database: any RegistryDatabase, clock: @escaping @Sendable () -> Int64, migrations: [RegistrySchema.Migration]
    ) async throws(RegistryError) -> Registry {
        try await RegistryMigrator.migrate(database, migrations: migrations)
        return Registry(database: database, clock: clock)
    }

    init(database: any RegistryDatabase, clock: @escaping @Sendable () -> Int64) {
        self.database = database
        self.clock = clock
    }

    public static let wallClock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: - Writing events

    /// The newest event's sequence and time: the first read of every write.
    static let headQuery = SQLStatement(
        "SELECT COALESCE(MAX(sequence), 0), COALESCE(MAX(time_ms), 0) FROM registry_events")

    /// Appends the events `decide` makes from the rows of `reads`, with the sequences and times
    /// that follow the log's head, and returns what `decide` returns.
    func append<Result: Sendable>(
        reads: [SQLStatement], actor: String,
        decide:
            @escaping @Sendable (_ rows: [SQLRows], _ stamp: EventStamp) throws(RegistryError) -> (
                changes: [RegistryChange], result: Result
            )
    ) async throws(RegistryError) -> Result {
        try Self.validateActor(actor)
        let now = clock()
        return try await database.write(reads: [Self.headQuery] + reads) { rows throws(RegistryError) in
            let head = rows[0].first ?? []
            let stamp = EventStamp(
                sequence: (head.first?.integer ?? 0) + 1, time: max(now, head.dropFirst().first?.integer ?? 0),
                actor: actor)
            let (changes, result) = try decide(Array(rows.dropFirst()), stamp)
            var statements: [SQLStatement] = []
            for (offset, change) in changes.enumerated() {
                let event = RegistryEvent(
                    sequence: stamp.sequence + Int64(offset), time: stamp.time, actor: actor, change: change)
                statements += RegistryProjection.statements(for: event)
            }
            return WritePlan(statements: statements, result: result)
        }
    }

    /// Who acts: 1 to 200 characters without control characters.
    static func validateActor(_ actor: String) throws(RegistryError) {
        guard !actor.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RegistryError(.invalidArgument, "the actor is empty; say who is acting (--actor or SLUICE_ACTOR)")
        }
        try RegistryName.validateFreeText(actor, as: "the actor", maximumLength: 200)
        if actor.contains("\n") || actor.contains("\t") {
            throw RegistryError(.invalidArgument, "the actor contains a line break or tab")
        }
    }

    /// The sequence, time and actor the next event of a write gets.
    struct EventStamp: Sendable {
        var sequence: Int64
        var time: Int64
        var actor: String
    }

    /// `2026-03-03T14:05:00.000Z (1772546700000)`: a time in a message.
    static func timeText(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return "\(formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))) (\(milliseconds))"
    }

    // MARK: - Reading

    func rows(_ query: SQLStatement) async throws(RegistryError) -> SQLRows {
        try await database.read([query])[0]
    }
}
