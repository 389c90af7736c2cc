/// The statements that append one event to the log and bring the derived tables up to date with
/// it. A write runs them in the transaction that decided the event, so the tables never disagree
/// with the log.
enum RegistryProjection {
    static func statements(for event: RegistryEvent) -> [SQLStatement] {
        var statements = [
            SQLStatement(
                """
                INSERT INTO registry_events (sequence, time_ms, actor, type, subject_kind, subject, body)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(event.sequence), .integer(event.time), .text(event.actor), .text(event.change.type),
                    .text(event.change.isAboutModel ? "model" : "topology"), .text(event.change.subject),
                    .text(RegistryJSON.encode(event)),
                ])
        ]
        switch event.change {
        case .versionRegistered(let version):
            statements += versionRegistered(version, event: event)
        case .aliasMoved(let move):
            if let target = move.to {
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO registry_aliases (model, alias, version, sequence, time_ms) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (model, alias) DO UPDATE
                        SET version = excluded.version, sequence = excluded.sequence, time_ms = excluded.time_ms
                        """,
                        [
                            .text(move.model), .text(move.alias), SQLValue(target), .integer(event.sequence),
                            .integer(event.time),
                        ]
                    ))
            } else {
                statements.append(
                    SQLStatement(
                        "DELETE FROM registry_aliases WHERE model = ? AND alias = ?",
                        [.text(move.model), .text(move.alias)]))
            }
            statements.append(
                SQLStatement(
                    "INSERT INTO registry_alias_moves (model, alias, sequence, time_ms, version) VALUES (?, ?, ?, ?, ?)",
                    [
                        .text(move.model), .text(move.alias), .integer(event.sequence), .integer(event.time),
                        move.to.map { SQLValue($0) } ?? .null,
                    ]))
        case .approvalChanged(let change):
            statements += [
                SQLStatement(
                    "UPDATE registry_model_versions SET approval = ? WHERE model = ? AND version = ?",
                    [.text(change.to.rawValue), .text(change.model), SQLValue(change.version)]),
                approvalRow(model: change.model, version: change.version, approval: change.to, event: event),
            ]
        case .deploymentChanged(let change):
            if let deployment = change.to {
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO registry_deployments (model, body, sequence, time_ms) VALUES (?, ?, ?, ?)
                        ON CONFLICT (model) DO UPDATE
                        SET body = excluded.body, sequence = excluded.sequence, time_ms = excluded.time_ms
                        """,
                        [
                            .text(change.model), .text(RegistryJSON.encode(deployment)), .integer(event.sequence),
                            .integer(event.time),
                        ]))
            } else {
                statements.append(
                    SQLStatement("DELETE FROM registry_deployments WHERE model = ?", [.text(change.model)]))
            }
        case .topologyApplied(let topology):
            statements.append(
                SQLStatement(
                    "INSERT INTO registry_topologies (name, version, content_hash, applied_ms, body) VALUES (?, ?, ?, ?, ?)",
                    [
                        .text(topology.name), SQLValue(topology.version), .text(topology.contentHash),
                        .integer(topology.appliedAt), .text(RegistryJSON.encode(topology)),
                    ]))
            for column in Set(topology.document.columns.map(\.name)).sorted() {
                statements.append(
                    SQLStatement(
                        "INSERT INTO registry_topology_columns (name, version, column_name) VALUES (?, ?, ?)",
                        [.text(topology.name), SQLValue(topology.version), .text(column)]))
            }
        case .trainingStep:
            // A run's steps live in the event log alone (the model's history).
            break
        }
        return statements
    }

    private static func versionRegistered(_ version: ModelVersion, event: RegistryEvent) -> [SQLStatement] {
        var statements = [
            SQLStatement(
                """
                INSERT INTO registry_models (name, created_ms, latest_version, updated_sequence) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE
                SET latest_version = excluded.latest_version, updated_sequence = excluded.updated_sequence
                """,
                [.text(version.model), .integer(event.time), SQLValue(version.version), .integer(event.sequence)]),
            SQLStatement(
                """
                INSERT INTO registry_model_versions (model, version, approval, registered_ms, body) VALUES (?, ?, ?, ?, ?)
                """,
                [
                    .text(version.model), SQLValue(version.version), .text(version.approval.rawValue),
                    .integer(event.time), .text(RegistryJSON.encode(version)),
                ]),
            approvalRow(model: version.model, version: version.version, approval: version.approval, event: event),
        ]
        for (key, value) in version.tags.sorted(by: { $0.key < $1.key }) {
            statements.append(
                SQLStatement(
                    "INSERT INTO registry_version_tags (model, version, tag_key, tag_value) VALUES (?, ?, ?, ?)",
                    [.text(version.model), SQLValue(version.version), .text(key), .text(value)]))
        }
        let topology = version.lineage.topology?.name ?? ""
        for (position, column) in version.signature.enumerated() {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO registry_version_columns (model, version, position, topology, column_name)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                    [
                        .text(version.model), SQLValue(version.version), SQLValue(position), .text(topology),
                        .text(column),
                    ]))
        }
        return statements
    }

    private static func approvalRow(model: String, version: Int, approval: Approval, event: RegistryEvent)
        -> SQLStatement
    {
        SQLStatement(
            "INSERT INTO registry_approvals (model, version, sequence, time_ms, approval) VALUES (?, ?, ?, ?, ?)",
            [.text(model), SQLValue(version), .integer(event.sequence), .integer(event.time), .text(approval.rawValue)])
    }
}
