import SluiceCore

/// Approvals: each version is pending, approved or rejected, changed by events.
extension Registry {
    @discardableResult
    public func setApproval(_ model: String, _ version: Int, to approval: Approval, reason: String = "", actor: String)
        async throws(RegistryError) -> ApprovalChange
    {
        try RegistryName.validate(model, as: "model name")
        try RegistryName.validateFreeText(reason, as: "the reason", maximumLength: RegistryName.maximumReasonLength)
        let reads = [
            SQLStatement(
                "SELECT approval FROM registry_model_versions WHERE model = ? AND version = ?",
                [.text(model), SQLValue(version)]),
            SQLStatement("SELECT latest_version FROM registry_models WHERE name = ?", [.text(model)]),
        ]
        return try await append(reads: reads, actor: actor) { rows, _ throws(RegistryError) in
            guard let current = rows[0].first?.first?.text.flatMap(Approval.init(rawValue:)) else {
                guard let latest = rows[1].first?.first?.integer else {
                    throw RegistryError(.notFound, "no model named \(model) is registered")
                }
                throw RegistryError(
                    .notFound, "model \(model) has no version \(version) (its versions are 1 to \(latest))")
            }
            let change = ApprovalChange(model: model, version: version, from: current, to: approval, reason: reason)
            return ([.approvalChanged(change)], change)
        }
    }
}
