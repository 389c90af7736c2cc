import ArgumentParser
import Foundation
import Sluice
import SluiceRegistry

struct ModelsRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register the next version of a model from its artifact, with its lineage.",
        discussion: """
            The artifact is checked (it must parse as --format), copied into the artifact store under its SHA-256, \
            and the version (1, 2, ... per model) is committed pending approval. Its input columns (--features, else \
            the model's own feature names) must all be columns of one registered topology version (`sluice features \
            apply`). With --training-set, its hash, row and label counts, label as-of time, topology and Kafka offset \
            ranges are recorded. A failed registration registers nothing.
            """)

    @Argument(help: "Model name: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit.")
    var name: String
    @Option(help: "The model file.")
    var artifact: String
    @Option(help: "Artifact format. (values: xgboost-json)")
    var format: String = ModelRegistration.xgboostJSON
    @Option(help: "Input columns in the model's order, comma-separated. (default: the model's feature names)")
    var features: String?
    @Option(help: "The training set Parquet file (`sluice training-set`) the model was trained on.")
    var trainingSet: String?
    @Option(help: "A metric, KEY=VALUE (repeatable), e.g. auc=0.93.")
    var metric: [String] = []
    @Option(help: "A tag, KEY=VALUE (repeatable), e.g. team=risk.")
    var tag: [String] = []
    @Option(help: "What this version is.")
    var description: String = ""
    @Flag(help: "Print the version as JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        let request = ModelRegistrationRequest(
            model: name, artifactPath: artifact, format: format,
            features: features.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
            trainingSetPath: trainingSet, metrics: try KeyValueArgument.metrics(metric),
            tags: try KeyValueArgument.pairs(tag, option: "tag"), description: description)
        let version = try await registryOptions.withRegistry(publish: true) { registry in
            try await ModelRegistration.register(
                request, registry: registry, artifacts: registryOptions.artifactStore, actor: registryOptions.actorName)
        }
        if json {
            print(RegistryOutput.json(version))
            return
        }
        var lines = [
            "registered \(version.model) version \(version.version) (pending approval): \(version.signature.count) inputs, "
                + "artifact sha256 \(version.artifact.sha256.prefix(12)) (\(version.artifact.bytes) bytes)"
        ]
        if let topology = version.lineage.topology {
            lines.append("  topology \(topology.name) version \(topology.version) (\(topology.contentHash.prefix(12)))")
        }
        if let set = version.lineage.trainingSet {
            lines.append(
                "  trained on \(set.path): \(set.rows) rows, \(set.labeled) labeled (\(set.positives) fraud), "
                    + "\(set.unlabeled) unlabeled, \(set.expired) expired; sha256 \(set.sha256.prefix(12))")
        }
        print(lines.joined(separator: "\n"))
    }
}
