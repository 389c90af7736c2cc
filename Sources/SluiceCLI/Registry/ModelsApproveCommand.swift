import ArgumentParser
import SluiceRegistry

struct ModelsApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a version (or reject it with --reject); deployments take approved versions only.")

    @Argument(help: "Model name.")
    var name: String
    @Argument(help: "Version number.")
    var version: Int
    @Flag(help: "Reject instead of approving.")
    var reject = false
    @Option(help: "Why, recorded in the history.")
    var reason: String = ""
    @Flag(help: "Print the change as JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        let change = try await registryOptions.withRegistry(publish: true) { registry in
            try await registry.setApproval(
                name, version, to: reject ? .rejected : .approved, reason: reason, actor: registryOptions.actorName)
        }
        if json { return print(RegistryOutput.json(change)) }
        print("\(change.model) version \(change.version): \(change.from.rawValue) -> \(change.to.rawValue)")
    }
}
