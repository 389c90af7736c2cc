import ArgumentParser
import Logging
import Sluice
import SluiceRegistry
import SluiceRuntime

struct RegistryWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print the change feed's events, each once and in order (duplicates dropped by sequence).")

    @Option(help: "Only events after this sequence.")
    var after: Int64 = 0
    @Flag(help: "Keep waiting for new events until interrupted.")
    var follow = false
    @Flag(help: "Print each event as one line of JSON, as the feed carries it.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap(default: .warning)
        let reader = RegistryFeedReader(
            client: registryOptions.connection.settings.kafkaClient, topic: registryOptions.topic,
            logger: Logger(label: "sluice.registry.watch"))
        try await reader.read(after: after, follow: follow) { event in
            print(json ? event.jsonText : RegistryOutput.describe(event))
        }
    }
}
