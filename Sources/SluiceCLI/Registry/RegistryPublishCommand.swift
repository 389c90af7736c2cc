import ArgumentParser
import Logging
import Sluice
import SluiceRegistry
import SluiceRuntime

struct RegistryPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish committed registry events the change feed does not have yet.",
        discussion: """
            Registry commands publish their own events; this catches the feed up after the broker was down. With \
            --follow it keeps publishing new events (as `sluice serve` does) until interrupted.
            """)

    @Flag(help: "Keep publishing new events until interrupted.")
    var follow = false
    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap(default: .notice)
        let logger = Logger(label: "sluice.registry.feed")
        try await registryOptions.withRegistry { registry in
            let publisher = try RegistryFeedPublisher(
                registry: registry, client: registryOptions.connection.settings.kafkaClient,
                topic: registryOptions.topic, logger: logger)
            if follow {
                await publisher.run()
            } else {
                do {
                    let (published, position) = try await publisher.publishPending(timeout: .seconds(10))
                    print(
                        "published \(published) event\(published == 1 ? "" : "s") to \(publisher.topic); feed at \(position)"
                    )
                } catch {
                    await publisher.close(flushTimeout: .zero)
                    logger.error("could not publish the registry change feed: \(error)")
                    throw ExitCode(1)
                }
            }
            await publisher.close()
        }
    }
}
