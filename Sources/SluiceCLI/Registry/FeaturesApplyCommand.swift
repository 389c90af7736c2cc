import ArgumentParser
import SluiceCore
import SluiceRegistry
import SluiceTopology

struct FeaturesApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Register topology files as new versions, printing the plan first.",
        discussion: """
            A topology is registered by its content hash: applying an unchanged file registers nothing. The plan \
            lists views and features added (+), removed (-) and changed (~: aggregation, field, window, tile, key, \
            lateness). An apply that removes or changes a feature read by a model version an alias points to is \
            refused, naming them, unless --force.
            """)

    @Argument(help: "Topology files.")
    var files: [String]
    @Flag(help: "Print the plans and register nothing.")
    var dryRun = false
    @Flag(help: "Apply even if aliased model versions read removed or changed features.")
    var force = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        var topologies: [Topology] = []
        for file in files {
            do {
                topologies.append(try TopologyLoader.load(file: file))
            } catch {
                throw ValidationError("invalid topology \(file):\n\(error)")
            }
        }
        try await registryOptions.withRegistry(publish: true) { registry in
            for topology in topologies {
                let plan = try await registry.plan(topology)
                print(Self.describe(plan))
                guard plan.changesAnything, !dryRun else { continue }
                let (_, applied) = try await registry.apply(topology, actor: registryOptions.actorName, force: force)
                if let applied { print("applied \(applied.name) version \(applied.version)") }
            }
        }
        if dryRun { print("dry run: nothing registered") }
    }

    static func describe(_ plan: TopologyPlan) -> String {
        let hash = String(plan.contentHash.prefix(12))
        guard plan.changesAnything else {
            return "topology \(plan.topology): no changes (version \(plan.current?.version ?? 0), content hash \(hash))"
        }
        let header =
            plan.current.map {
                "topology \(plan.topology): version \($0.version) -> \($0.version + 1) (content hash \($0.contentHash.prefix(12)) -> \(hash))"
            } ?? "topology \(plan.topology): new, version 1 (content hash \(hash))"
        var lines = [header]
        lines += plan.viewsAdded.map { "  + view \($0)" }
        lines += plan.viewsRemoved.map { "  - view \($0)" }
        lines += plan.columnsAdded.map { "  + \($0)" }
        lines += plan.columnsRemoved.map { "  - \($0)" }
        lines += plan.columnsChanged.map { change in
            "  ~ \(change.column): "
                + change.changes.map { "\($0.property) \($0.from) -> \($0.to)" }.joined(separator: ", ")
        }
        lines += plan.otherChanges.map { "  ~ \($0)" }
        return lines.joined(separator: "\n")
    }
}
