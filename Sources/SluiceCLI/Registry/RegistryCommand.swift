import ArgumentParser

struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "The registry store and its change feed: status, publishing and watching events.",
        discussion: "See docs/registry.md.",
        subcommands: [RegistryStatusCommand.self, RegistryPublishCommand.self, RegistryWatchCommand.self])
}
