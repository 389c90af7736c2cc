import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceModel
import SluiceOffline
import SluiceRegistry
import SluiceRuntime
import SluiceTraining

/// One continuous-training run, for one `retrain_requested` event (docs/continuous-training.md):
/// training set, validation, training, evaluation, registration, approval, rollout. Every step is
/// recorded in the registry before the next starts, and what to do next is read back from those
/// records (`TrainingRunPlan`), so a run killed anywhere resumes on restart, or redoes the step it
/// died in from a clean start. A request delivered twice is one run: its steps are already there.
public struct ContinuousTrainingRun: Sendable {
    let settings: ContinuousTrainingSettings
    let registry: Registry
    let request: RetrainRequest
    let logger: Logger
    let clock: @Sendable () -> Int64

    /// The tag a candidate version carries: the request it was made for.
    public static let requestTag = "ct.request"

    public init(
        settings: ContinuousTrainingSettings, registry: Registry, request: RetrainRequest, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = Registry.wallClock
    ) {
        self.settings = settings
        self.registry = registry
        self.request = request
        self.logger = logger
        self.clock = clock
    }

    var policy: TrainingPolicy { settings.policy }
    var rolloutGauge: Gauge { Gauge(label: SluiceMetrics.continuousTrainingRollout, dimensions: [("model", model)]) }
    var model: String { request.model }
    var folder: String { (settings.workDirectory as NSString).appendingPathComponent(request.requestID) }
    /// Every labeled event of the training window: what validation and evaluation read.
    var trainingSetPath: String { (folder as NSString).appendingPathComponent("set.parquet") }
    /// The same rows without the holdout period: what the trainer reads.
    var trainerSetPath: String { (folder as NSString).appendingPathComponent("train.parquet") }
    var modelPath: String { (folder as NSString).appendingPathComponent("model.json") }
    var metricsPath: String { (folder as NSString).appendingPathComponent("model.metrics.json") }
    var trainerLogPath: String { (folder as NSString).appendingPathComponent("trainer.log") }

    /// Runs the request to its end and returns the step it ended with. Throws only when the
    /// registry, the broker or the file system fail; the run is then resumed by calling again.
    public func drive() async throws -> TrainingStep {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var steps = try await registry.trainingSteps(model, requestID: request.requestID)
        if !steps.contains(where: { $0.kind == .requested }) {
            try await record(
                .requested, .started,
                "\(request.triggers.joined(separator: ", ")): \(request.reasons.joined(separator: "; "))",
                version: request.championVersion)
        }
        while true {
            steps = try await registry.trainingSteps(model, requestID: request.requestID)
            let next = TrainingRunPlan.next(steps, present: presentArtifacts())
            switch next {
            case .finished:
                // The last step recorded is the one the plan ended on.
                return steps[steps.count - 1]
            case .buildTrainingSet: try await buildTrainingSets()
            case .validate: try await validate()
            case .train: try await train()
            case .evaluate: try await evaluate()
            case .register: try await register()
            case .approve(let version): try await approveAndStart(version)
            case .rollout(let version, let champion, let stage):
                try await rollout(version: version, champion: champion, stage: stage, steps: steps)
            }
        }
    }

    func presentArtifacts() -> Set<TrainingRunPlan.Artifact> {
        var present = Set<TrainingRunPlan.Artifact>()
        let files = FileManager.default
        if files.fileExists(atPath: trainingSetPath), files.fileExists(atPath: trainerSetPath) {
            present.insert(.trainingSet)
        }
        if files.fileExists(atPath: modelPath), files.fileExists(atPath: metricsPath) { present.insert(.model) }
        return present
    }

    @discardableResult
    func record(
        _ kind: TrainingStep.Kind, _ outcome: TrainingStep.Outcome, _ detail: String, version: Int? = nil,
        figures: [String: Double] = [:]
    ) async throws -> TrainingStep {
        let step = TrainingStep(
            model: model, requestID: request.requestID, kind: kind, outcome: outcome,
            detail: String(detail.prefix(2_000)),
            version: version, figures: figures)
        let recorded = try await registry.recordTrainingStep(step, actor: settings.actor)
        logger.info(
            "\(model) run \(request.requestID.prefix(8)): \(kind.rawValue) \(outcome.rawValue): \(detail)")
        return recorded
    }

    // MARK: - a. Training sets

    /// The events of the training window old enough for their labels to have matured
    /// (training.label_maturity), with the labels known now; and the same without the holdout
    /// period (its newest training.holdout), both from one snapshot of the feature log table.
    func buildTrainingSets() async throws {
        let now = clock()
        let labels: LabelBook
        do {
            labels = try await LabelBook.read(topic: settings.labelsTopic, client: settings.client, logger: logger)
        } catch let error as OfflineError where error.code == .topicMissing {
            try await record(.trainingSet, .failed, error.message)
            return
        }
        var configuration = TrainingSetConfiguration(
            featuresDirectory: settings.featuresDirectory, topologyName: settings.topologyName,
            output: trainingSetPath, asOf: now)
        configuration.topologyHash = settings.topologyHash
        configuration.labelDelayMax = policy.training.labelMaturity
        // Only events whose labels have matured: a younger payment's chargeback may still come.
        let matured = now - policy.training.labelMaturity
        configuration.eventTimes = (now - policy.training.window)..<(matured + 1)
        for path in [trainingSetPath, trainerSetPath, modelPath, metricsPath] {
            try? FileManager.default.removeItem(atPath: path)
        }
        do {
            let full = try TrainingSetBuilder.build(configuration, labels: labels)
            guard let newest = full.newestEventTime else {
                try await record(
                    .trainingSet, .failed,
                    "the feature log has no event of the training window (the last \(DurationText.format(policy.training.window)))"
                )
                return
            }
            let holdoutStart = newest - policy.training.holdout
            configuration.output = trainerSetPath
            configuration.eventTimes = (now - policy.training.window)..<min(holdoutStart, matured + 1)
            if let version = full.tableVersion { configuration.snapshot = .version(version) }
            let trainer = try TrainingSetBuilder.build(configuration, labels: labels)
            var figures: [String: Double] = [
                "rows": Double(full.rows), "labeled": Double(full.labeled), "positives": Double(full.positives),
                "training_rows": Double(trainer.rows), "as_of": Double(now), "holdout_start": Double(holdoutStart),
            ]
            if let version = full.tableVersion { figures["table_version"] = Double(version) }
            try await record(
                .trainingSet, .passed,
                "\(full.rows) rows, \(full.labeled) labeled (\(full.positives) fraud) as of \(TimeText.iso(now)); \(trainer.rows) before the holdout from \(TimeText.iso(holdoutStart))"
                    + (full.tableVersion.map { "; feature log table version \($0)" } ?? ""),
                figures: figures)
        } catch let error as OfflineError {
            try await record(.trainingSet, .failed, error.message)
        }
    }

    // MARK: - b. Validation

    func validate() async throws {
        let champion = try await championVersion()
        let findings: [TrainingSetValidation.Finding]
        do {
            findings = try await ChampionComparison.validate(
                trainingSet: trainingSetPath, champion: champion, registry: registry,
                reference: try ChampionComparison.referenceFacts(of: champion), rules: policy.validation)
        } catch let error as OfflineError {
            try await record(.validated, .failed, error.message)
            return
        }
        let failed = findings.filter { !$0.passed }.count
        try await record(
            .validated, failed == 0 ? .passed : .failed, TrainingSetValidation.summary(findings),
            version: champion?.version,
            figures: ["checks": Double(findings.count), "failed": Double(failed)])
    }

    /// The champion the request names, if it still exists.
    func championVersion() async throws -> ModelVersion? {
        guard let version = request.championVersion else { return nil }
        do {
            return try await registry.version(model, version)
        } catch  where error.code == .notFound {
            return nil
        }
    }

    // MARK: - c. Training

    func train() async throws {
        for path in [modelPath, metricsPath] { try? FileManager.default.removeItem(atPath: path) }
        let command =
            policy.training.command + ["--training-set", trainerSetPath, "--out", modelPath, "--metrics", metricsPath]
        try await record(.trained, .started, "running \(command.joined(separator: " "))")
        let started = ContinuousClock.now
        let ending: ChildProcess.Ending
        do {
            ending = try await ChildProcess.run(
                command, logFile: trainerLogPath, groupFile: (folder as NSString).appendingPathComponent("trainer.pid"),
                timeLimit: .milliseconds(policy.training.timeLimit))
        } catch {
            try await record(.trained, .failed, error.description)
            return
        }
        // Stopped with the process: the next start trains again.
        try Task.checkCancellation()
        let seconds = (ContinuousClock.now - started).seconds
        switch ending {
        case .exited(0):
            guard presentArtifacts().contains(.model) else {
                try await record(.trained, .failed, "the trainer exited 0 but wrote no \(modelPath) and metrics")
                return
            }
            var figures = validationFigures()
            figures["seconds"] = seconds
            try await record(
                .trained, .passed,
                "\(modelPath) in \(DurationText.format(Int64(seconds * 1000))); validation "
                    + figures.filter { $0.key != "seconds" }.sorted { $0.key < $1.key }
                    .map { "\($0.key) \(EvaluationGate.format($0.value))" }.joined(separator: ", "),
                figures: figures)
        case .timedOut:
            try await record(
                .trained, .failed,
                "the trainer ran longer than training.time_limit (\(DurationText.format(policy.training.timeLimit))) and was stopped; \(trainerLogPath) has its output"
            )
        case .exited(let status):
            try await record(.trained, .failed, "the trainer exited \(status): \(trainerLogTail())")
        case .cancelled:
            throw CancellationError()
        case .killedBySignal(let signal):
            try await record(.trained, .failed, "the trainer was killed by signal \(signal): \(trainerLogTail())")
        }
    }

    /// The trainer's validation figures (`validation` of its metrics file) that are quality metrics.
    func validationFigures() -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: metricsPath),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let validation = object["validation"] as? [String: Any]
        else { return [:] }
        var figures: [String: Double] = [:]
        for metric in QualityMetric.allCases {
            if let value = (validation[metric.rawValue] as? NSNumber)?.doubleValue, value.isFinite {
                figures[metric.rawValue] = value
            }
        }
        return figures
    }

    /// The trainer log's last lines, for a failure's reason.
    func trainerLogTail() -> String {
        let text = (try? String(contentsOfFile: trainerLogPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return lines.isEmpty ? "no output (\(trainerLogPath))" : String(lines.suffix(600))
    }

    // MARK: - d. Evaluation

    func evaluate() async throws {
        let candidate: XGBoostModel
        do {
            candidate = try XGBoostModel.parse(try Data(contentsOf: URL(fileURLWithPath: modelPath)))
        } catch {
            try await record(.evaluated, .failed, "cannot read the candidate \(modelPath): \(error)")
            return
        }
        guard !candidate.featureNames.isEmpty else {
            try await record(.evaluated, .failed, "\(modelPath) has no feature names; the trainer must save them")
            return
        }
        let champion = try await championVersion()
        let result: HoldoutEvaluation.Result
        do {
            result = try HoldoutEvaluation.run(
                trainingSet: trainingSetPath, holdout: policy.training.holdout,
                candidate: HoldoutEvaluation.Model(scorer: XGBoostScorer(candidate), signature: candidate.featureNames),
                champion: try champion.map { version throws(RegistryError) in
                    try ChampionComparison.evaluationModel(version, artifacts: settings.artifacts)
                },
                rules: policy.gate)
        } catch let error as OfflineError {
            try await record(.evaluated, .failed, error.message)
            return
        }
        var figures: [String: Double] = ["rows": Double(result.rows), "holdout_start": Double(result.holdoutStart)]
        for metric in QualityMetric.allCases {
            figures["candidate_\(metric.rawValue)"] = result.candidate[metric]
            figures["champion_\(metric.rawValue)"] = result.champion?[metric]
        }
        let verdict = result.verdict
        try await record(
            .evaluated, verdict.passed ? .passed : .failed,
            (verdict.passed
                ? "the candidate passes the gate on " : "the candidate fails the gate, the champion stays; ")
                + "\(result.rows) holdout rows: "
                + verdict.checks.map(\.reason).joined(separator: "; "),
            version: champion?.version, figures: figures.compactMapValues { $0 })
    }

    // MARK: - e. Registration and approval

    func register() async throws {
        let tagged = try await registry.versions(taggedWith: Self.requestTag, value: request.requestID)
            .filter { $0.model == model }
        let registered: Result<ModelVersion, RegistryError>
        if let existing = tagged.first {
            registered = .success(existing)
        } else {
            registered = await registerCandidate()
        }
        switch registered {
        case .success(let version):
            try await record(
                .registered, .passed,
                "version \(version.version), \(version.signature.count) inputs, trained on \(trainerSetPath)",
                version: version.version)
        case .failure(let error) where error.code == .invalidArtifact || error.code == .invalidArgument:
            try await record(.registered, .failed, error.message)
        case .failure(let error):
            throw error
        }
    }

    /// Registers the candidate with its lineage: the trainer's training set, the request (tags),
    /// the trainer's validation figures and the holdout evaluation's (`holdout_` metrics).
    func registerCandidate() async -> Result<ModelVersion, RegistryError> {
        var metrics = validationFigures()
        if let steps = try? await registry.trainingSteps(model, requestID: request.requestID),
            let evaluation = steps.last(where: { $0.kind == .evaluated && $0.outcome == .passed })
        {
            for metric in QualityMetric.allCases {
                metrics["holdout_\(metric.rawValue)"] = evaluation.figures["candidate_\(metric.rawValue)"]
            }
        }
        let registration = ModelRegistrationRequest(
            model: model, artifactPath: modelPath, trainingSetPath: trainerSetPath, metrics: metrics,
            tags: [
                Self.requestTag: request.requestID, "ct.triggers": request.triggers.joined(separator: ","),
                "ct.champion": request.championVersion.map(String.init) ?? "none",
            ],
            description: String("retrained by sluice ct run: \(request.reasons.joined(separator: "; "))".prefix(500)))
        do throws(RegistryError) {
            return .success(
                try await ModelRegistration.register(
                    registration, registry: registry, artifacts: settings.artifacts, actor: settings.actor))
        } catch {
            return .failure(error)
        }
    }

    /// Approves the candidate (automatic policy) or waits for a person, then starts its rollout.
    func approveAndStart(_ version: Int) async throws {
        var announced = false
        while true {
            let candidate = try await registry.version(model, version)
            switch candidate.approval {
            case .approved:
                return try await startRollout(version)
            case .rejected:
                try await record(
                    .failed, .failed, "version \(version) was rejected before its rollout", version: version)
                return
            case .pending:
                if policy.approval == .automatic {
                    try await registry.setApproval(
                        model, version, to: .approved,
                        reason: "passed the gate of continuous-training run \(request.requestID)", actor: settings.actor
                    )
                    continue
                }
                if !announced {
                    logger.notice(
                        "\(model) version \(version) waits for approval: sluice models approve \(model) \(version)")
                    announced = true
                }
                try await Task.sleep(for: settings.tick)
            }
        }
    }
}
