import ArgumentParser
import SluiceRegistry

struct ModelsResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Which version an alias points to now, or pointed to at any past time.",
        discussion: """
            With --at, the answer is the state after the last registry event at or before that time, with the \
            version's approval as of then: "which model scored payments on 3 March at 14:05?"
            """)

    @Argument(help: "NAME@ALIAS, e.g. fraud-model@champion.")
    var target: String
    @Option(help: "Epoch milliseconds or ISO-8601 (2026-03-03T14:05:00Z). (default: now)")
    var at: String?
    @Flag(help: "Print the version as JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        let parts = target.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("'\(target)' is not NAME@ALIAS") }
        let time = try at.map(TimeArgument.parse)
        let version = try await registryOptions.withRegistry { try await $0.resolve(parts[0], parts[1], at: time) }
        if json { return print(RegistryOutput.json(version)) }
        let when = time.map { " at \(RegistryOutput.time($0))" } ?? ""
        print("\(target)\(when) = version \(version.version) (\(version.approval.rawValue))")
    }
}
