import ArgumentParser

struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Data drift: compare a current dataset or the live topics with a reference, column by column.",
        subcommands: [
            DriftCompareCommand.self, DriftReportCommand.self, DriftRunCommand.self, DriftReferenceCommand.self,
        ])
}
