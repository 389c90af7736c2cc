import ArgumentParser

struct FeaturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "The feature registry: topology versions, feature discovery and the models that use each feature.",
        discussion: "See docs/registry.md.",
        subcommands: [FeaturesApplyCommand.self, FeaturesListCommand.self, FeaturesShowCommand.self])
}
