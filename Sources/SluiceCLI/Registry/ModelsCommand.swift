import ArgumentParser

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "The model registry: versions with lineage, aliases and approvals, with their whole history.",
        discussion: "See docs/registry.md.",
        subcommands: [
            ModelsRegisterCommand.self, ModelsListCommand.self, ModelsShowCommand.self, ModelsAliasCommand.self,
            ModelsResolveCommand.self, ModelsHistoryCommand.self, ModelsApproveCommand.self,
        ])
}
