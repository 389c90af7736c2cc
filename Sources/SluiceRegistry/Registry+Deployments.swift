import SluiceCore
import SluiceModel

/// Deployments: which versions of a model score its traffic, as events, so that what served at
/// any past time has an answer.
extension Registry {
    /// Makes `deployment` the model's deployment, atomically (blue/green: every request sees the
    /// old deployment or the new one). Versions that answer requests must be approved; shadows
    /// must not be rejected.
    @discardableResult
    public func deploy(_ deployment: Deployment, reason: String = "", actor: String) async throws(RegistryError)
        -> DeploymentChange
    {
        try RegistryName.validate(deployment.model, as: "model name")
        try RegistryName.validateFreeText(reason, as: "the reason", maximumLength: RegistryName.maximumReasonLength)
        if let problem = deployment.problem { throw RegistryError(.invalidArgument, problem) }
        for arm in deployment.arms { try RegistryName.validate(arm.name, as: "arm name") }
        let model = deployment.model
        let reads = [
            SQLStatement("SELECT body FROM registry_deployments WHERE model = ?", [.text(model)]),
            SQLStatement("SELECT version, approval FROM registry_model_versions WHERE model = ?", [.text(model)]),
        ]
        return try await append(reads: reads, actor: actor) { rows, _ throws(RegistryError) in
            guard !rows[1].isEmpty else { throw RegistryError(.notFound, "no model named \(model) is registered") }
            var approvals: [Int: Approval] = [:]
            for row in rows[1] {
                approvals[Int(row[0].integer ?? 0)] = row[1].text.flatMap(Approval.init(rawValue:)) ?? .pending
            }
            for version in deployment.versions where approvals[version] == nil {
                throw RegistryError(.notFound, "model \(model) has no version \(version)")
            }
            let unapproved = deployment.answeringVersions.filter { approvals[$0] != .approved }
            if !unapproved.isEmpty {
                throw RegistryError(
                    .refused,
                    "version \(unapproved.map(String.init).joined(separator: ", ")) of \(model) would answer requests but "
                        + "is not approved; approve it first (`sluice models approve \(model) VERSION`)")
            }
            if let rejected = deployment.shadows.first(where: { approvals[$0] == .rejected }) {
                throw RegistryError(.refused, "version \(rejected) of \(model) is rejected and cannot shadow")
            }
            let current = try rows[0].first.map { row throws(RegistryError) in
                try RegistryJSON.decode(Deployment.self, row[0].text, what: "a stored deployment")
            }
            let change = DeploymentChange(model: model, from: current, to: deployment, reason: reason)
            return ([.deploymentChanged(change)], change)
        }
    }

    /// Stops scoring the model: it has no deployment afterwards.
    @discardableResult
    public func undeploy(_ model: String, reason: String = "", actor: String) async throws(RegistryError)
        -> DeploymentChange
    {
        try RegistryName.validateFreeText(reason, as: "the reason", maximumLength: RegistryName.maximumReasonLength)
        let reads = [SQLStatement("SELECT body FROM registry_deployments WHERE model = ?", [.text(model)])]
        return try await append(reads: reads, actor: actor) { rows, _ throws(RegistryError) in
            guard let row = rows[0].first else { throw RegistryError(.notFound, "model \(model) is not deployed") }
            let current = try RegistryJSON.decode(Deployment.self, row[0].text, what: "a stored deployment")
            let change = DeploymentChange(model: model, from: current, to: nil, reason: reason)
            return ([.deploymentChanged(change)], change)
        }
    }

    /// Returns to the deployment before the last change (blue/green's way back), as a new event.
    @discardableResult
    public func rollback(_ model: String, reason: String = "", actor: String) async throws(RegistryError)
        -> DeploymentChange
    {
        try RegistryName.validateFreeText(reason, as: "the reason", maximumLength: RegistryName.maximumReasonLength)
        let reads = [
            SQLStatement(
                """
                SELECT body FROM registry_events
                WHERE subject_kind = 'model' AND subject = ? AND type = 'deployment_changed'
                ORDER BY sequence DESC LIMIT 1
                """, [.text(model)])
        ]
        return try await append(reads: reads, actor: actor) { rows, _ throws(RegistryError) in
            guard let row = rows[0].first, case .deploymentChanged(let last) = try Self.decodeEvent(row).change else {
                throw RegistryError(.notFound, "model \(model) has never been deployed")
            }
            guard let previous = last.from else {
                throw RegistryError(.notFound, "model \(model) has no deployment before its current one to return to")
            }
            let change = DeploymentChange(
                model: model, from: last.to, to: previous, reason: reason.isEmpty ? "rollback" : reason)
            return ([.deploymentChanged(change)], change)
        }
    }

    /// The model's deployment now, or at `time` (epoch ms); nil when it had none.
    public func deployment(_ model: String, at time: Int64? = nil) async throws(RegistryError) -> Deployment? {
        if let time {
            let rows = try await self.rows(
                SQLStatement(
                    """
                    SELECT body FROM registry_events
                    WHERE subject_kind = 'model' AND subject = ? AND type = 'deployment_changed' AND time_ms <= ?
                    ORDER BY sequence DESC LIMIT 1
                    """, [.text(model), .integer(time)]))
            guard let row = rows.first, case .deploymentChanged(let change) = try Self.decodeEvent(row).change else {
                return nil
            }
            return change.to
        }
        return try await rows(SQLStatement("SELECT body FROM registry_deployments WHERE model = ?", [.text(model)]))
            .first.map { row throws(RegistryError) in
                try RegistryJSON.decode(Deployment.self, row[0].text, what: "a stored deployment")
            }
    }

    /// Every current deployment, by model: what a scoring server loads when it starts.
    public func deployments() async throws(RegistryError) -> [Deployment] {
        try await rows(SQLStatement("SELECT body FROM registry_deployments ORDER BY model")).map {
            row throws(RegistryError) in
            try RegistryJSON.decode(Deployment.self, row[0].text, what: "a stored deployment")
        }
    }
}
