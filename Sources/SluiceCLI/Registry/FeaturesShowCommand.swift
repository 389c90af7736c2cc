import ArgumentParser
import Foundation
import SluiceCore
import SluiceRegistry

struct FeaturesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a view's features, or one feature, with the model versions that read it (reverse lineage).")

    @Argument(help: "VIEW or VIEW.FEATURE, e.g. card or card.txn_count_1h.")
    var target: String
    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        let parts = target.split(separator: ".", maxSplits: 1).map(String.init)
        let features = try await registryOptions.withRegistry { registry in
            try await registry.features(view: parts[0], feature: parts.count > 1 ? parts[1] : nil)
        }
        if json { return print(RegistryOutput.json(features)) }
        guard !features.isEmpty else {
            FileHandle.standardError.write(Data("error: no registered feature matches \(target)\n".utf8))
            throw ExitCode(1)
        }
        for feature in features {
            var lines = ["\(feature.column)  (topology \(feature.topology), view \(feature.view))"]
            if !feature.description.isEmpty { lines.append("  description  \(feature.description)") }
            var definition = feature.aggregation
            if let field = feature.field { definition += " of \(field)" }
            if let window = feature.window, let tile = feature.tile {
                definition += " over \(DurationText.format(window)) in \(DurationText.format(tile)) tiles"
            }
            lines.append("  computes     \(definition)")
            if !feature.viewDescription.isEmpty { lines.append("  view         \(feature.viewDescription)") }
            if !feature.owner.isEmpty { lines.append("  owner        \(feature.owner)") }
            if !feature.tags.isEmpty {
                lines.append(
                    "  tags         "
                        + feature.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                )
            }
            lines.append(
                "  versions     \(feature.topologyVersions.map(String.init).joined(separator: ", ")) (first registered \(RegistryOutput.time(feature.firstRegistered)))"
            )
            let users = feature.usedBy.map { use in
                "\(use.model)/\(use.version)" + (use.aliases.isEmpty ? "" : " (\(use.aliases.joined(separator: ", ")))")
            }
            lines.append("  used by      \(users.isEmpty ? "no model version" : users.joined(separator: "; "))")
            print(lines.joined(separator: "\n"))
        }
    }
}
