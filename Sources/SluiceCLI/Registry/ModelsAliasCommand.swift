import ArgumentParser
import SluiceRegistry

struct ModelsAliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias",
        abstract: "Point an alias of a model at a version, or delete it; atomic, and kept in the history.",
        discussion: """
            With --expect-version the move happens only if the alias still points to that version (or, with \
            'none', does not exist): of two concurrent moves one succeeds and the other exits 3 saying what it found.
            """)

    @Argument(help: "Model name.")
    var name: String
    @Argument(help: "Alias, e.g. champion: 1-64 of A-Z a-z 0-9 . _ - starting with a letter.")
    var alias: String
    @Argument(help: "The version to point at (omit with --delete).")
    var version: Int?
    @Flag(help: "Delete the alias.")
    var delete = false
    @Option(help: "Why, recorded in the history.")
    var reason: String = ""
    @Option(help: "Move only if the alias points to this version now ('none': only if it does not exist).")
    var expectVersion: String?
    @Flag(help: "Print the move as JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        if delete == (version != nil) { throw ValidationError("give either a VERSION or --delete") }
        if let expectVersion, expectVersion != "none", Int(expectVersion) == nil {
            throw ValidationError("--expect-version '\(expectVersion)' is neither a version number nor 'none'")
        }
    }

    func run() async throws {
        let expectation: AliasExpectation =
            switch expectVersion {
            case nil: .any
            case "none": .absent
            case let text?: .version(Int(text) ?? 0)
            }
        let move = try await registryOptions.withRegistry(publish: true) { registry in
            try await registry.moveAlias(
                name, alias, to: delete ? nil : version, expecting: expectation, reason: reason,
                actor: registryOptions.actorName)
        }
        if json { return print(RegistryOutput.json(move)) }
        print("\(move.model)@\(move.alias): \(RegistryOutput.version(move.from)) -> \(RegistryOutput.version(move.to))")
    }
}
