import ArgumentParser
import SluiceRegistry

struct ModelsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a model and its versions, or one version with its lineage.")

    @Argument(help: "NAME or NAME/VERSION.")
    var target: String
    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        let parts = target.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            guard let number = Int(parts[1]) else { throw ValidationError("'\(parts[1])' is not a version number") }
            let version = try await registryOptions.withRegistry { try await $0.version(parts[0], number) }
            return print(json ? RegistryOutput.json(version) : Self.detail(version))
        }
        let (summary, versions) = try await registryOptions.withRegistry { registry in
            (try await registry.model(target), try await registry.versions(target))
        }
        if json {
            struct Shown: Encodable {
                var model: ModelSummary
                var versions: [ModelVersion]
            }
            return print(RegistryOutput.json(Shown(model: summary, versions: versions)))
        }
        print(
            "\(summary.name): \(versions.count) version\(versions.count == 1 ? "" : "s"), created \(RegistryOutput.time(summary.createdAt))"
        )
        print(Self.versionTable(versions, aliases: summary.aliases))
    }

    static func versionTable(_ versions: [ModelVersion], aliases: [String: Int]) -> String {
        RegistryOutput.table(
            ["MODEL", "VERSION", "APPROVAL", "ALIASES", "REGISTERED", "BY", "METRICS"],
            versions.map { version in
                [
                    version.model, String(version.version), version.approval.rawValue,
                    aliases.filter { $0.value == version.version }.keys.sorted().joined(separator: ","),
                    RegistryOutput.time(version.registeredAt), version.registeredBy,
                    RegistryOutput.metrics(version.metrics),
                ]
            })
    }

    static func detail(_ version: ModelVersion) -> String {
        var lines = [
            "\(version.model) version \(version.version): \(version.approval.rawValue)",
            "  registered   \(RegistryOutput.time(version.registeredAt)) by \(version.registeredBy) (sluice \(version.lineage.sluiceVersion))",
            "  artifact     \(version.format), \(version.artifact.bytes) bytes, sha256 \(version.artifact.sha256) (from \(version.artifact.originalName))",
            "  inputs       \(version.signature.joined(separator: ", "))",
        ]
        if !version.description.isEmpty { lines.insert("  description  \(version.description)", at: 1) }
        if !version.metrics.isEmpty { lines.append("  metrics      \(RegistryOutput.metrics(version.metrics))") }
        if !version.tags.isEmpty {
            lines.append(
                "  tags         "
                    + version.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if let topology = version.lineage.topology {
            lines.append(
                "  topology     \(topology.name) version \(topology.version), content hash \(topology.contentHash)")
        }
        if let set = version.lineage.trainingSet {
            lines.append("  training set \(set.path), sha256 \(set.sha256), \(set.bytes) bytes")
            lines.append(
                "               \(set.rows) rows: \(set.labeled) labeled (\(set.positives) fraud), \(set.unlabeled) unlabeled, \(set.expired) expired"
            )
            if let asOf = set.labelsAsOf { lines.append("               labels as of \(RegistryOutput.time(asOf))") }
            if let first = set.firstEventTime, let last = set.lastEventTime {
                lines.append("               events \(RegistryOutput.time(first)) to \(RegistryOutput.time(last))")
            }
            if let topic = set.topic {
                let ranges = set.partitions.map { "\($0.partition):\($0.firstOffset)-\($0.lastOffset)" }.joined(
                    separator: " ")
                lines.append("               topic \(topic), offsets \(ranges)")
            }
            if let table = set.tablePath, let tableVersion = set.tableVersion {
                lines.append(
                    "               feature log table \(table) version \(tableVersion) (id \(set.tableID ?? "?")): --table-version \(tableVersion) rebuilds it"
                )
            }
        }
        return lines.joined(separator: "\n")
    }
}
