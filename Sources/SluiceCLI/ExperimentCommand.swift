import ArgumentParser

struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "How the versions of a model's deployment do on live traffic, once labels arrive.",
        subcommands: [ExperimentReportCommand.self])
}
