import ArgumentParser
import Sluice
import SluiceRegistry

struct RegistryStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Where the registry is, its schema, its newest event and how far the feed is.")

    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    struct Status: Encodable {
        var location: String
        var schemaVersion: Int
        var headSequence: Int64
        var feedPosition: Int64
        var models: Int
        var topologies: Int

        enum CodingKeys: String, CodingKey {
            case location, models, topologies
            case schemaVersion = "schema_version"
            case headSequence = "head_sequence"
            case feedPosition = "feed_position"
        }
    }

    func run() async throws {
        let status = try await registryOptions.withRegistry { registry in
            Status(
                location: registryOptions.location.description, schemaVersion: RegistrySchema.currentVersion,
                headSequence: try await registry.headSequence(), feedPosition: try await registry.feedPosition(),
                models: try await registry.models().count, topologies: try await registry.topologies().count)
        }
        if json { return print(RegistryOutput.json(status)) }
        print(
            """
            registry     \(status.location) (schema version \(status.schemaVersion))
            events       \(status.headSequence)
            change feed  \(status.feedPosition) published to \(registryOptions.topic)\
            \(status.headSequence > status.feedPosition ? ", \(status.headSequence - status.feedPosition) behind" : "")
            models       \(status.models)
            topologies   \(status.topologies)
            """)
    }
}
