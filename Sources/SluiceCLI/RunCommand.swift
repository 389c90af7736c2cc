import ArgumentParser
import Dispatch
import Foundation
import Logging
import Sluice

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume the topology's topic, compute windowed features and keep them in Redis (exactly-once).",
        discussion: "SIGTERM or SIGINT: finish the current batch, commit, exit 0.")

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Consumer group; processes in one group share the partitions. (default: sluice-<topology>)")
    var group: String?
    @Flag(help: "Exit 0 once every assigned partition reached its end and all state is written.")
    var untilEnd = false
    @Option(help: "Most messages per batch (one Redis transaction).")
    var batchSize: Int = 5000
    @Flag(help: "Do not print progress lines.")
    var quiet = false
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.bootstrap(default: .info)
        let logger = Logger(label: "sluice.run")
        var configuration = EngineConfiguration(connection: connection.settings)
        configuration.groupID = group
        configuration.untilEnd = untilEnd
        configuration.maxBatchMessages = batchSize
        configuration.progressInterval = quiet ? nil : .seconds(2)
        let engine = StreamEngine(compiled: try topology.load(), configuration: configuration, logger: logger)
        let signals = SignalHandlers { signal in
            logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"): finishing the current batch")
            engine.stop()
        }
        defer { signals.cancel() }
        do {
            try engine.run()
        } catch {
            logger.error("sluice run failed: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Turns SIGTERM and SIGINT into a callback instead of killing the process.
/// `@unchecked Sendable`: the sources are only created in init and cancelled once.
final class SignalHandlers: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (Int32) -> Void) {
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
