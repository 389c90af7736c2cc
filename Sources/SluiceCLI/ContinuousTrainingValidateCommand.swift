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
        let facts = try read(step.trainingSet)
        let findings = try await ContinuousTrainingChampion.with(
            step.champion, policy: rules, store: step.registryStore
        ) {
            registry, version in
            var topologyColumns: Set<String>?
            if let registry, let name = version?.lineage.topology?.name,
                let topology = try await registry.latestTopology(named: name)
            {
                topologyColumns = Set(topology.document.columns.map(\.name))
            }
            let signature = columns.map { $0.split(separator: ",").map(String.init) } ?? version?.signature ?? []
            return TrainingSetValidation.validate(
                facts, signature: signature, topologyColumns: topologyColumns,
                reference: try referenceFacts(version), rules: rules.validation)
        }
        for finding in findings { print("  \(finding.passed ? "pass" : "FAIL")  \(finding.check): \(finding.detail)") }
        let failed = findings.filter { !$0.passed }.count
        print(
            failed == 0
                ? "\(step.trainingSet): \(TrainingSetValidation.summary(findings))"
                : "\(step.trainingSet): \(failed) of \(findings.count) checks failed")
        if failed > 0 { throw ExitCode(1) }
    }

    /// The champion's training set: the file given, else the one its lineage names (when it is
    /// still there), else the counts registered with it.
    private func referenceFacts(_ version: ModelVersion?) throws -> TrainingSetValidation.Facts? {
        if let reference { return try read(reference) }
        guard let lineage = version?.lineage.trainingSet else { return nil }
        if FileManager.default.fileExists(atPath: lineage.path) { return try read(lineage.path) }
        return TrainingSetValidation.Facts(
            rows: lineage.rows, labeled: lineage.labeled, positives: lineage.positives, nullShares: [:])
    }

    private func read(_ path: String) throws -> TrainingSetValidation.Facts {
        do {
            return try TrainingSetFactsReader.read(path: path)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
