import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceRuntime

struct LoggingOptions: ParsableArguments {
    @Option(
        name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical. (env: SLUICE_LOG_LEVEL)")
    var logLevel: String?

    func bootstrap(default defaultLevel: Logger.Level = .info) {
        let text = logLevel ?? ProcessInfo.processInfo.environment["SLUICE_LOG_LEVEL"]
        let level = text.flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
