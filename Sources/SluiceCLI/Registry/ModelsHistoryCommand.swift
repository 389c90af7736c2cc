import ArgumentParser
import SluiceRegistry

struct ModelsHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every event of a model, oldest first: versions, alias moves (from -> to) and approvals.")

    @Argument(help: "Model name.")
    var name: String
    @Flag(help: "Print the events as JSON (as the sluice.registry feed carries them).")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        let events = try await registryOptions.withRegistry { try await $0.history(name) }
        if json { return print(RegistryOutput.json(events)) }
        print(events.map(RegistryOutput.describe).joined(separator: "\n"))
    }
}
