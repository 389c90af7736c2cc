import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceModel
import SluiceOffline
import SluiceRegistry
import SluiceRuntime
import SluiceTraining

/// The rollout of a run's candidate (step f): shadow, canary steps, promotion or rollback.
extension ContinuousTrainingRun {
    // MARK: - f. Rollout

    /// Shadow beside the deployed champion; a model without a deployment gets the candidate as
    /// its champion at once (nothing to compare with on live traffic).
    func startRollout(_ version: Int) async throws {
        guard let current = try await registry.deployment(model) else {
            try await promote(version, champion: nil, reason: "the model had no deployment")
            return
        }
        var shadowing = current
        shadowing.canary = nil
        shadowing.arms = []
        shadowing.shadows = [version]
        try await registry.deploy(
            shadowing, reason: "continuous training \(request.requestID.prefix(8)): version \(version) in shadow",
            actor: settings.actor)
        try await record(
            .shadow, .started,
            "version \(version) scores every payment beside champion version \(current.champion) for \(DurationText.format(policy.rollout.shadow))",
            version: version,
            figures: [
                TrainingRunPlan.Figure.since: Double(clock()),
                TrainingRunPlan.Figure.champion: Double(current.champion),
            ])
    }

    /// Observes the stage's guards until it moves, then moves the deployment as it says.
    func rollout(version: Int, champion: Int?, stage: RolloutController.Stage, steps: [TrainingStep]) async throws {
        guard let champion else { return try await promote(version, champion: nil, reason: "no champion") }
        let stageSince: Int64
        switch stage {
        case .shadow(let since), .canary(_, let since): stageSince = since
        case .promoted, .rolledBack: return
        }
        // The candidate's shadow period: from its shadow step to the first canary step.
        let shadowStart =
            steps.last(where: { $0.kind == .shadow })?.figures[TrainingRunPlan.Figure.since]
            .map(Int64.init) ?? stageSince
        let shadowEnd =
            steps.first(where: { $0.kind == .canary })?.figures[TrainingRunPlan.Figure.since].map(Int64.init)
            ?? Int64.max
        let deployment = try await registry.deployment(model)
        let threshold = deployment?.threshold ?? 0.5
        while true {
            let now = clock()
            // A topic not made yet (no prediction logged, no label known) is no evidence.
            var records: [RolloutEvidenceReader.Record] = []
            do {
                records = try await RolloutEvidenceReader.read(
                    topic: settings.predictionsTopic, model: model, from: shadowStart, client: settings.client,
                    logger: logger)
            } catch let error as OfflineError where error.code == .topicMissing {}
            var labels = LabelBook()
            do {
                labels = try await LabelBook.read(topic: settings.labelsTopic, client: settings.client, logger: logger)
            } catch let error as OfflineError where error.code == .topicMissing {}
            let observation = RolloutEvidence.observe(
                stage: stage, version: version, champion: champion,
                records: records.filter { $0.servedAt >= stageSince }.map(\.prediction),
                shadowPeriod: records.filter { $0.servedAt >= shadowStart && $0.servedAt < shadowEnd }.map(
                    \.prediction),
                deployment: deployment,
                label: { id in labels.label(of: id, eventTime: 0, asOf: now, maxDelay: .max).map { Int($0.value) } },
                threshold: threshold, guards: policy.rollout.guards)
            let next = RolloutController.next(stage, now: now, observed: observation, policy: policy.rollout)
            rolloutGauge.record(next.isFinished ? -1 : Double(next.traffic(policy.rollout)))
            if next != stage {
                return try await move(to: next, version: version, champion: champion, observed: observation)
            }
            logger.info(
                "\(model) version \(version) \(RolloutController.describe(stage, policy.rollout)): \(Self.describe(observation))"
            )
            try await Task.sleep(for: settings.tick)
        }
    }

    func move(to stage: RolloutController.Stage, version: Int, champion: Int, observed: RolloutController.Observation)
        async throws
    {
        var figures = Self.figures(observed)
        switch stage {
        case .canary(let step, let since):
            guard var deployment = try await registry.deployment(model) else {
                try await record(.rolledBack, .failed, "the model was undeployed during the rollout", version: version)
                return
            }
            let percent = policy.rollout.canary[step].percent
            deployment.champion = champion
            deployment.arms = []
            deployment.shadows = []
            deployment.canary = Deployment.Canary(version: version, percent: Double(percent))
            try await registry.deploy(
                deployment,
                reason: "continuous training \(request.requestID.prefix(8)): version \(version) canary at \(percent)%",
                actor: settings.actor)
            figures[TrainingRunPlan.Figure.since] = Double(since)
            figures[TrainingRunPlan.Figure.canaryStep] = Double(step)
            figures[TrainingRunPlan.Figure.champion] = Double(champion)
            figures["percent"] = Double(percent)
            try await record(
                .canary, .started,
                "version \(version) answers \(percent)% of payments for \(DurationText.format(policy.rollout.canary[step].hold)); guards held: \(Self.describe(observed))",
                version: version, figures: figures)
        case .promoted:
            try await promote(
                version, champion: champion, reason: "every stage held its guards: \(Self.describe(observed))")
        case .rolledBack(_, let reason):
            if var deployment = try await registry.deployment(model) {
                deployment.champion = champion
                deployment.canary = nil
                deployment.arms = []
                deployment.shadows = []
                try await registry.deploy(
                    deployment,
                    reason: "continuous training \(request.requestID.prefix(8)): version \(version) rolled back",
                    actor: settings.actor)
            }
            try await record(
                .rolledBack, .failed, "version \(version) rolled back, champion version \(champion) stays: \(reason)",
                version: version, figures: figures)
        case .shadow:
            return
        }
    }

    /// Makes `version` the champion: the deployment answers with it alone, and the `champion`
    /// alias moves to it. A model without a deployment only gets the alias: how it is served
    /// (routing key, threshold) is for `sluice deploy` to say.
    func promote(_ version: Int, champion: Int?, reason: String) async throws {
        let reasonText = "continuous training \(request.requestID.prefix(8)): version \(version) promoted"
        if var deployment = try await registry.deployment(model) {
            deployment.champion = version
            deployment.canary = nil
            deployment.arms = []
            deployment.shadows = []
            try await registry.deploy(deployment, reason: reasonText, actor: settings.actor)
        }
        try await registry.moveAlias(model, "champion", to: version, reason: reasonText, actor: settings.actor)
        try await record(
            .promoted, .passed,
            "version \(version) is the champion" + (champion.map { " (was version \($0))" } ?? "") + ": \(reason)"
                + (champion == nil ? "; `sluice deploy \(model) --champion \(version)` serves it" : ""),
            version: version)
    }

    static func figures(_ observed: RolloutController.Observation) -> [String: Double] {
        var figures: [String: Double] = [:]
        figures["latency_p99_ms"] = observed.latencyP99Milliseconds
        figures["error_rate"] = observed.errorRate
        figures["score_psi"] = observed.scorePSI
        figures["recall_drop"] = observed.recallDrop
        return figures
    }

    static func describe(_ observed: RolloutController.Observation) -> String {
        let parts = [
            observed.latencyP99Milliseconds.map { "p99 \(EvaluationGate.format($0)) ms" },
            observed.errorRate.map { "errors \(EvaluationGate.format($0))" },
            observed.scorePSI.map { "score PSI \(EvaluationGate.format($0))" },
            observed.recallDrop.map { "recall drop \(EvaluationGate.format($0))" },
        ].compactMap { $0 }
        return parts.isEmpty ? "no evidence yet" : parts.joined(separator: ", ")
    }
}
