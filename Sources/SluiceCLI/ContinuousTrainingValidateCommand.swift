import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceOffline
import SluiceRegistry
import SluiceTopology
import SluiceTraining

/// `sluice ct validate`: the validation step of a run, by hand: a new training set checked
/// against the champion's columns, the current topology and the champion's own training set.
struct ContinuousTrainingValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a new training set before training, by a policy's validation rules.",
        discussion: """
            Checks that the columns the champion reads are in the set and still computed by the newest registered \
            version of its topology, the row and fraud-label minimums, and, against the champion's own training set \
            (--reference, else the file its lineage names, else its registered counts), the label rate and each \
            column's null share. The champion is --champion, else the deployed champion of the policy's model; without \
            one only the minimums apply (give --columns to check those). Exits 1 naming each failed check. \
            docs/continuous-training.md.
            """)

    @Option(help: "The champion's training set, to compare label rate and null shares with.")
    var reference: String?
    @Option(help: "Columns the set must have, comma-separated (default: the champion's signature).")
    var columns: String?
    @OptionGroup var step: ContinuousTrainingStepOptions

    func run() async throws {
        let rules = try step.loadPolicy()
        let findings = try await ContinuousTrainingChampion.with(
            step.champion, policy: rules, store: step.registryStore
        ) {
            registry, version in
            do {
                return try await ChampionComparison.validate(
                    trainingSet: step.trainingSet, champion: version, registry: registry,
                    signature: columns.map { $0.split(separator: ",").map(String.init) },
                    reference: try reference.map(TrainingSetFactsReader.read)
                        ?? ChampionComparison.referenceFacts(
                            of: version),
                    rules: rules.validation)
            } catch let error as OfflineError {
                FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
                throw ExitCode(1)
            }
        }
        for finding in findings { print("  \(finding.passed ? "pass" : "FAIL")  \(finding.check): \(finding.detail)") }
        let failed = findings.filter { !$0.passed }.count
        print(
            failed == 0
                ? "\(step.trainingSet): \(TrainingSetValidation.summary(findings))"
                : "\(step.trainingSet): \(failed) of \(findings.count) checks failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
