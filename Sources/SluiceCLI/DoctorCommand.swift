import ArgumentParser
import Foundation
import Logging
import Sluice

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Print library versions and check that the Kafka brokers and Redis answer.",
        discussion: "Exits with status 1 when a check fails."
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Seconds to wait for each service.")
    var timeout: Double = 3

    func run() async throws {
        // librdkafka logs every refused connection; the report already says what failed.
        logging.bootstrap(default: .critical)
        let report = await Doctor.run(settings: connection.settings, timeout: .milliseconds(Int(timeout * 1000)))
        for check in report.checks {
            print(
                "\(check.passed ? "ok  " : "FAIL") \(check.name.padding(toLength: 36, withPad: " ", startingAt: 0)) \(check.detail)"
            )
        }
        if !report.passed { throw ExitCode(1) }
    }
}
