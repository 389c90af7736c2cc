/// The event log: a model's history and the feed's reading of new events.
extension Registry {
    /// Every event about `model`, oldest first.
    public func history(_ model: String) async throws(RegistryError) -> [RegistryEvent] {
        let rows = try await rows(
            SQLStatement(
                "SELECT body FROM registry_events WHERE subject_kind = 'model' AND subject = ? ORDER BY sequence",
                [.text(model)]))
        if rows.isEmpty { try await requireModel(model) }
        return try rows.map { row throws(RegistryError) in try Self.decodeEvent(row) }
    }

    /// Up to `limit` events with sequences above `sequence`, in order.
    public func events(after sequence: Int64, limit: Int = 1000) async throws(RegistryError) -> [RegistryEvent] {
        try await rows(
            SQLStatement(
                "SELECT body FROM registry_events WHERE sequence > ? ORDER BY sequence LIMIT ?",
                [.integer(sequence), SQLValue(limit)])
        ).map { row throws(RegistryError) in try Self.decodeEvent(row) }
    }

    /// The sequence of the newest event, 0 for an empty log.
    public func headSequence() async throws(RegistryError) -> Int64 {
        try await rows(Self.headQuery).first?.first?.integer ?? 0
    }

    static func decodeEvent(_ row: [SQLValue]) throws(RegistryError) -> RegistryEvent {
        try RegistryJSON.decode(RegistryEvent.self, row[0].text, what: "a stored registry event")
    }
}

// MARK: - Change feed position

extension Registry {
    /// The sequence up to which events are known to be on the change feed topic: the
    /// transactional outbox's cursor (the log itself is the outbox).
    public func feedPosition() async throws(RegistryError) -> Int64 {
        try await rows(SQLStatement("SELECT published_sequence FROM registry_feed WHERE id = 1")).first?.first?.integer
            ?? 0
    }

    /// Records that every event up to `sequence` is on the feed. Never moves the cursor back, so
    /// two publishers racing cannot undo each other.
    public func advanceFeed(to sequence: Int64) async throws(RegistryError) {
        try await database.write(reads: []) { _ throws(RegistryError) in
            WritePlan(
                statements: [
                    SQLStatement(
                        "UPDATE registry_feed SET published_sequence = ? WHERE id = 1 AND published_sequence < ?",
                        [.integer(sequence), .integer(sequence)])
                ], result: ())
        }
    }
}
