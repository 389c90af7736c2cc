import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceHTTP
import SluiceOnlineStore
import SluiceRedis
import SluiceRuntime

struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Read one entity's features as of now or a given time (one Redis round trip).")

    @Argument(help: "View name, e.g. card.")
    var view: String
    @Argument(help: "Entity id, e.g. card-42.")
    var entity: String
    @Option(help: "Read time: epoch milliseconds or ISO-8601 (2026-11-27T10:00:00Z). (default: now)")
    var at: String?
    @Flag(help: "Print JSON: {\"view\", \"entity\", \"at\", \"features\": {name: value}}.")
    var json = false

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.bootstrap(default: .warning)
        let compiled = try topology.load()
        let time = try at.map(TimeArgument.parse) ?? TimeArgument.now()
        let redis = try RedisClients.connect(connection.settings.redisConfiguration())
        let vector = try OnlineStoreReader(compiled: compiled).read(
            view: view, entity: entity, at: time, connection: redis)
        if json {
            print(vector.json)
            return
        }
        print("\(vector.view) \(vector.entity) at \(TimeArgument.iso8601(vector.at)) (\(vector.at))")
        let width = vector.names.map(\.count).max() ?? 0
        for (name, value) in zip(vector.names, vector.values) {
            print(
                "  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(value.map { formatValue($0) } ?? "null")"
            )
        }
    }
}

private func formatValue(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4f", value)
}

/// Times given on the command line.
enum TimeArgument {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    static func parse(_ text: String) throws -> Int64 {
        if let time = TimeText.parse(text) { return time }
        throw ValidationError(
            "'\(text)' is neither epoch milliseconds nor an ISO-8601 time such as 2026-11-27T10:00:00Z")
    }

    static func iso8601(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
