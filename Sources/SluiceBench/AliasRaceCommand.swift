import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceRegistry

/// One contender of the alias race: moves an alias back and forth between two versions with
/// optimistic concurrency (read where it points, move it expecting that), as a deploy script
/// would. Two of these run at once on one registry in the tests; each prints what it did.
struct AliasRaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias-race", abstract: "Move an alias N times with --expect-version semantics; print the outcome."
    )

    @Option var registry: String
    @Option var model = "race-model"
    @Option var alias = "champion"
    @Option(help: "Attempts to make.")
    var attempts = 500
    @Option var actor: String

    struct Outcome: Encodable {
        var actor: String
        var successes: [[Int?]]
        var conflicts: Int
        var seconds: Double
    }

    func run() async throws {
        let registry = try await RegistryLocation(registry).open()
        var outcome = Outcome(actor: actor, successes: [], conflicts: 0, seconds: 0)
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<attempts {
            let current = (try? await registry.resolve(model, alias))?.version
            let target = current == 1 ? 2 : 1
            do {
                let move = try await registry.moveAlias(
                    model, alias, to: target, expecting: current.map(AliasExpectation.version) ?? .absent, actor: actor)
                outcome.successes.append([move.from, move.to])
            } catch {
                guard error.code == .conflict else { throw error }
                outcome.conflicts += 1
            }
        }
        let elapsed = clock.now - started
        outcome.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        await registry.database.close()
        let encoder = JSONEncoder()
        print(String(decoding: try encoder.encode(outcome), as: UTF8.self))
    }
}
