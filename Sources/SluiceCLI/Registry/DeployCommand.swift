import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceModel
import SluiceRegistry

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Set which versions of a model score its traffic: champion, canary, A/B split and shadows.",
        discussion: """
            A deploy describes the whole new deployment: --champion (default: the current one), and optionally \
            one --canary with its --weight, or an A/B --split, and any --shadow versions; what is not given is not \
            kept. The routing key, threshold and salt carry over unless given (--new-salt reshuffles keys). The \
            switch is atomic (blue/green) and recorded as a registry event; every `sluice serve` applies it within a \
            second through the change feed. Versions that answer must be approved. docs/scoring.md.
            """)

    @Argument(help: "Model name.")
    var name: String
    @Option(help: "The version that answers requests not routed elsewhere.")
    var champion: Int?
    @Option(help: "A version that takes --weight percent of routing keys.")
    var canary: Int?
    @Option(help: "The canary's share of routing keys, in percent (0.01 to 99.99).")
    var weight: Double?
    @Option(help: "An A/B test: VERSION=PERCENT,... adding up to 100, e.g. 3=50,4=50.")
    var split: String?
    @Option(help: "A version that scores every request beside the answer and never answers (repeatable).")
    var shadow: [Int] = []
    @Option(help: "The event field that routes requests. (default: the topology's first view's key)")
    var routingKey: String?
    @Option(help: "Decision threshold the experiment report uses. (default: 0.5)")
    var threshold: Double?
    @Flag(help: "Draw a new salt, so keys are assigned anew.")
    var newSalt = false
    @Flag(help: "Return to the deployment before the last change.")
    var rollback = false
    @Flag(help: "Stop scoring this model.")
    var undeploy = false
    @Flag(help: "Print the deployment (now, or --at TIME) instead of changing it.")
    var show = false
    @Option(help: "With --show: the deployment at this time (epoch ms or ISO-8601).")
    var at: String?
    @Option(help: "Why, recorded in the history.")
    var reason: String = ""
    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        let changes =
            champion != nil || canary != nil || split != nil || !shadow.isEmpty || routingKey != nil
            || threshold != nil || newSalt
        let modes = [rollback, undeploy, show].filter { $0 }.count
        if modes > 1 || (modes == 1 && changes) {
            throw ValidationError("--rollback, --undeploy and --show each go alone")
        }
        if (canary == nil) != (weight == nil) { throw ValidationError("--canary and --weight go together") }
        if canary != nil && split != nil { throw ValidationError("a deployment has a --canary or a --split, not both") }
        if at != nil && !show { throw ValidationError("--at goes with --show") }
    }

    func run() async throws {
        if show { return try await showDeployment() }
        let change = try await registryOptions.withRegistry(publish: true) { registry in
            if rollback { return try await registry.rollback(name, reason: reason, actor: registryOptions.actorName) }
            if undeploy { return try await registry.undeploy(name, reason: reason, actor: registryOptions.actorName) }
            return try await registry.deploy(
                try await deployment(current: try await registry.deployment(name), registry: registry), reason: reason,
                actor: registryOptions.actorName)
        }
        if json { return print(RegistryOutput.json(change)) }
        print("\(name): \(Self.describe(change.from)) -> \(Self.describe(change.to))")
    }

    private func showDeployment() async throws {
        let time = try at.map(TimeArgument.parse)
        let deployment = try await registryOptions.withRegistry { try await $0.deployment(name, at: time) }
        if json { return print(RegistryOutput.json(deployment)) }
        guard let deployment else {
            return print("\(name) is not deployed" + (time.map { " at \(RegistryOutput.time($0))" } ?? ""))
        }
        print("\(name): \(Self.describe(deployment))")
        print("  routing key \(deployment.routingKey), salt \(deployment.salt), threshold \(deployment.threshold)")
    }

    /// The deployment the flags describe, carrying over what they leave out from `current`.
    private func deployment(current: Deployment?, registry: Registry) async throws -> Deployment {
        guard let champion = champion ?? current?.champion else {
            throw ValidationError("\(name) is not deployed yet: give its --champion VERSION")
        }
        var routingKey = self.routingKey ?? current?.routingKey
        if routingKey == nil {
            let version = try await registry.version(name, champion)
            if let reference = version.lineage.topology {
                routingKey = try await registry.latestTopology(named: reference.name)?.document.views.first?.key
            }
        }
        let salt = newSalt || current == nil ? Self.randomSalt() : current!.salt
        return Deployment(
            model: name, champion: champion,
            canary: canary.map { Deployment.Canary(version: $0, percent: weight ?? 0) },
            arms: try split.map(Self.arms) ?? [], shadows: shadow, routingKey: routingKey ?? "card_id", salt: salt,
            threshold: threshold ?? current?.threshold ?? 0.5)
    }

    static func arms(_ text: String) throws -> [Deployment.Arm] {
        try text.split(separator: ",").map { part in
            let pieces = part.split(separator: "=")
            guard pieces.count == 2, let version = Int(pieces[0]), let percent = Double(pieces[1]) else {
                throw ValidationError("--split part '\(part)' is not VERSION=PERCENT")
            }
            return Deployment.Arm(name: "v\(version)", version: version, percent: percent)
        }
    }

    static func randomSalt() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    static func describe(_ deployment: Deployment?) -> String {
        guard let deployment else { return "not deployed" }
        var parts = ["champion \(deployment.champion)"]
        if let canary = deployment.canary { parts.append("canary \(canary.version) at \(canary.percent)%") }
        if !deployment.arms.isEmpty {
            parts.append(
                "split " + deployment.arms.map { "\($0.name)=\($0.version) \($0.percent)%" }.joined(separator: ", "))
        }
        if !deployment.shadows.isEmpty {
            parts.append("shadows \(deployment.shadows.map(String.init).joined(separator: ","))")
        }
        return parts.joined(separator: ", ")
    }
}
