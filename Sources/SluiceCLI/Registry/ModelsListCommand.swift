import ArgumentParser
import SluiceRegistry

struct ModelsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List models, or the versions that carry a tag or an alias.")

    @Option(help: "Only versions with this tag: KEY or KEY=VALUE.")
    var tag: String?
    @Option(help: "Only the versions this alias points to, in every model.")
    var alias: String?
    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        if tag == nil && alias == nil {
            let models = try await registryOptions.withRegistry { try await $0.models() }
            if json { return print(RegistryOutput.json(models)) }
            guard !models.isEmpty else { return print("no models are registered") }
            print(
                RegistryOutput.table(
                    ["MODEL", "LATEST", "ALIASES", "CREATED"],
                    models.map { model in
                        [
                            model.name, String(model.latestVersion),
                            model.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                                separator: " "),
                            RegistryOutput.time(model.createdAt),
                        ]
                    }))
            return
        }
        let versions = try await registryOptions.withRegistry { registry in
            var found: [ModelVersion]? = nil
            if let tag {
                let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
                found = try await registry.versions(taggedWith: parts[0], value: parts.count > 1 ? parts[1] : nil)
            }
            if let alias {
                let aliased = try await registry.versions(aliasedAs: alias)
                found =
                    found.map { current in current.filter { version in aliased.contains { $0 == version } } } ?? aliased
            }
            return found ?? []
        }
        if json { return print(RegistryOutput.json(versions)) }
        guard !versions.isEmpty else { return print("no version matches") }
        print(ModelsShowCommand.versionTable(versions, aliases: [:]))
    }
}
