import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceModel
import SluiceOffline
import SluiceRegistry

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a training set or feature log with a registered model version, offline.",
        discussion: """
            The model's input columns are read by name (as the feature log names them) in its signature's order; \
            null is a missing value. With --out, writes event_id, the label columns if the input has them, and \
            score. Prints the row count, the mean score and, for labeled rows, the ROC-AUC: a check that the \
            registered model gives the scores it gave in training. docs/scoring.md.
            """)

    @Option(help: "NAME@ALIAS, NAME/VERSION, or NAME for its newest version.")
    var model: String
    @Option(help: "A Parquet training set or feature log file.")
    var input: String
    @Option(help: "Output Parquet file.")
    var out: String?
    @OptionGroup var registryStore: RegistryStoreOptions

    func run() async throws {
        let reference: ModelReference
        do {
            reference = try ModelReference(model)
        } catch {
            throw ValidationError(error.message)
        }
        let registry: Registry
        do {
            registry = try await registryStore.location.open()
        } catch {
            throw RegistryOptions.exit(error)
        }
        let version: ModelVersion
        let scorer: XGBoostScorer
        do {
            version = try await reference.resolve(in: registry)
            scorer = try ModelLoader.scorer(for: version, artifacts: registryStore.artifactStore)
        } catch {
            await registry.database.close()
            throw RegistryOptions.exit(error)
        }
        await registry.database.close()
        do {
            let summary = try ParquetScoring.score(
                input: input, output: out, scorer: scorer, signature: version.signature)
            var line =
                "scored \(summary.rows) rows of \(input) with \(version.model)/\(version.version): mean score "
                + String(format: "%.6f", summary.meanScore)
            if let auc = summary.rocAUC {
                line += "; ROC-AUC \(String(format: "%.4f", auc)) on \(summary.labeled) labeled rows"
            }
            if let out { line += "; wrote \(out)" }
            print(line)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
