import ArgumentParser
import SluiceCore
import SluiceRegistry

struct FeaturesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List every registered feature with its definition and the models using it.")

    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        let features = try await registryOptions.withRegistry { try await $0.features() }
        if json { return print(RegistryOutput.json(features)) }
        guard !features.isEmpty else { return print("no features are registered; run `sluice features apply FILE`") }
        print(Self.table(features))
    }

    static func table(_ features: [FeatureEntry]) -> String {
        RegistryOutput.table(
            ["TOPOLOGY", "COLUMN", "AGGREGATION", "FIELD", "WINDOW", "OWNER", "VERSIONS", "USED BY"],
            features.map { feature in
                [
                    feature.topology, feature.column, feature.aggregation, feature.field ?? "-",
                    feature.window.map(DurationText.format) ?? "-", feature.owner.isEmpty ? "-" : feature.owner,
                    feature.topologyVersions.map(String.init).joined(separator: ","),
                    feature.usedBy.map { "\($0.model)/\($0.version)" }.joined(separator: " "),
                ]
            })
    }
}
