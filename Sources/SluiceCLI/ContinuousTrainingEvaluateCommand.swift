import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceModel
import SluiceOffline
import SluiceRegistry
import SluiceTopology
import SluiceTraining

/// `sluice ct evaluate`: the evaluation step of a run, by hand: a candidate model file against
/// the champion on the same time-split holdout of a training set, judged by the policy's gate.
struct ContinuousTrainingEvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Judge a candidate model against the champion on a training set's holdout, by a policy's gate.",
        discussion: """
            Both models are scored by Sluice's evaluator on the labeled rows of the training set's newest \
            training.holdout of event time; PR-AUC, ROC-AUC and recall at 1% FPR are compared by the policy's gate. \
            The champion is --champion, else the version deployed as the policy's model's champion, else none (only \
            the gate's floors apply). Exits 0 when the candidate passes, 1 when it does not. \
            docs/continuous-training.md.
            """)

    @Option(help: "The candidate: an XGBoost JSON model file with its feature names.")
    var candidate: String
    @Flag(help: "Print the result as JSON.")
    var json = false
    @OptionGroup var step: ContinuousTrainingStepOptions

    func run() async throws {
        let rules = try step.loadPolicy()
        let model: XGBoostModel
        do {
            model = try XGBoostModel.parse(try Data(contentsOf: URL(fileURLWithPath: candidate)))
        } catch {
            throw ValidationError("cannot read the candidate \(candidate): \(error)")
        }
        guard !model.featureNames.isEmpty else {
            throw ValidationError("\(candidate) has no feature names: save the model with them (its input columns)")
        }
        let candidateModel = HoldoutEvaluation.Model(scorer: XGBoostScorer(model), signature: model.featureNames)
        let (championModel, championName) = try await championModel(policy: rules)
        let result: HoldoutEvaluation.Result
        do {
            result = try HoldoutEvaluation.run(
                trainingSet: step.trainingSet, holdout: rules.training.holdout, candidate: candidateModel,
                champion: championModel, rules: rules.gate)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(Self.json(result, champion: championName))
        } else {
            print(
                "holdout: \(result.rows) labeled rows (\(result.candidate.positives) fraud) from \(RegistryOutput.time(result.holdoutStart)); champion: \(championName ?? "none")"
            )
            for check in result.verdict.checks {
                print("  \(check.passed ? "pass" : "FAIL")  \(check.reason)")
            }
            print(result.verdict.passed ? "the candidate passes the gate" : "the candidate fails the gate")
        }
        if !result.verdict.passed { throw ExitCode(1) }
    }

    /// The champion to compare with, and its name as NAME/VERSION.
    private func championModel(policy: TrainingPolicy) async throws -> (HoldoutEvaluation.Model?, String?) {
        try await ContinuousTrainingChampion.with(step.champion, policy: policy, store: step.registryStore) {
            _, version in
            guard let version else { return (nil, nil) }
            // A RegistryError here is reported by `with`.
            return (
                try ChampionComparison.evaluationModel(version, artifacts: step.registryStore.artifactStore),
                "\(version.model)/\(version.version)"
            )
        }
    }

    private static func json(_ result: HoldoutEvaluation.Result, champion: String?) -> String {
        func figures(_ quality: ModelQuality?) -> Any {
            guard let quality else { return NSNull() }
            return [
                "labeled": quality.labeled, "positives": quality.positives,
                "pr_auc": quality.prAUC as Any? ?? NSNull(), "roc_auc": quality.rocAUC as Any? ?? NSNull(),
                "recall_at_1pct_fpr": quality.recallAt1PercentFPR as Any? ?? NSNull(),
            ] as [String: Any]
        }
        let object: [String: Any] = [
            "holdout_start": result.holdoutStart, "rows": result.rows, "champion": champion as Any? ?? NSNull(),
            "candidate_figures": figures(result.candidate), "champion_figures": figures(result.champion),
            "passed": result.verdict.passed,
            "checks": result.verdict.checks.map { ["passed": $0.passed, "reason": $0.reason] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
