import SluiceCore
import SluiceTraining

/// Continuous training's runs in the event log: each step of a run is one event about its model.
extension Registry {
    /// Records `step` of a run of a registered model.
    @discardableResult
    public func recordTrainingStep(_ step: TrainingStep, actor: String) async throws(RegistryError) -> TrainingStep {
        try RegistryName.validate(step.model, as: "model name")
        try RegistryName.validateFreeText(step.requestID, as: "the request id", maximumLength: 100)
        try RegistryName.validateFreeText(step.detail, as: "the step's detail", maximumLength: 2_000)
        guard step.figures.values.allSatisfy(\.isFinite) else {
            throw RegistryError(.invalidArgument, "a training step's figures must be finite numbers")
        }
        let model = step.model
        let reads = [SQLStatement("SELECT COUNT(*) FROM registry_model_versions WHERE model = ?", [.text(model)])]
        return try await append(reads: reads, actor: actor) { rows, _ throws(RegistryError) in
            guard (rows[0].first?.first?.integer ?? 0) > 0 else {
                throw RegistryError(.notFound, "no model named \(model) is registered")
            }
            return ([.trainingStep(step)], step)
        }
    }

    /// The steps of one run of `model`, oldest first.
    public func trainingSteps(_ model: String, requestID: String) async throws(RegistryError) -> [TrainingStep] {
        try await history(model).compactMap { event in
            if case .trainingStep(let step) = event.change, step.requestID == requestID { return step }
            return nil
        }
    }

    /// When the newest run of `model` was requested (epoch ms), and its request id; nil when it
    /// never had one.
    public func latestTrainingRequest(_ model: String) async throws(RegistryError) -> (requestID: String, time: Int64)?
    {
        for event in try await history(model).reversed() {
            if case .trainingStep(let step) = event.change, step.kind == .requested {
                return (step.requestID, event.time)
            }
        }
        return nil
    }
}
