import Foundation
import SluiceCore
import SluiceRegistry
import SluiceTesting
import Testing

/// Two processes move one alias 500 times each with `--expect-version`: no update may be lost.
@Suite("Alias race between processes", .timeLimit(.minutes(4)))
struct AliasRaceTests {
    struct Outcome: Decodable {
        var actor: String
        var successes: [[Int?]]
        var conflicts: Int
    }

    @Test(
        "Every successful move is in the history, in order, and the final state is the last event's",
        arguments: RegistryBackend.allCases)
    func race(backend: RegistryBackend) async throws {
        try await backend.withLocation { location in
            let sluice = try TestProcess.sluiceExecutable()
            let model = try await RegistryCLI.trainModel()
            let registry = [
                "--registry", location, "--artifacts",
                FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("artifacts"))
                    .path,
                "--no-publish",
            ]
            for arguments in [
                ["features", "apply", TestRepository.path("topologies/fraud.yaml")],
                ["models", "register", "race-model", "--artifact", model],
                ["models", "register", "race-model", "--artifact", model],
            ] {
                let result = try await TestProcess.run(sluice, arguments + registry)
                #expect(result.status == 0, "\(result.output)")
            }
            let bench = try TestProcess.productExecutable("sluice-bench", target: "SluiceBench")
            let attempts = 500
            async let first = Self.contend(bench, location: location, actor: "racer-a", attempts: attempts)
            async let second = Self.contend(bench, location: location, actor: "racer-b", attempts: attempts)
            let outcomes = try await [first, second]

            let database = try backend.database(at: location)
            let opened = try await Registry.open(database)
            let moves = try await opened.history("race-model").compactMap {
                event -> (actor: String, move: AliasMove)? in
                if case .aliasMoved(let move) = event.change { return (event.actor, move) }
                return nil
            }
            let final = try await opened.resolve("race-model", "champion").version
            await database.close()

            for outcome in outcomes {
                #expect(outcome.successes.count + outcome.conflicts == attempts)
                let recorded = moves.filter { $0.actor == outcome.actor }.map { [$0.move.from, $0.move.to] }
                #expect(recorded == outcome.successes, "\(outcome.actor)'s successes must be its history, in order")
            }
            #expect(moves.count == outcomes.reduce(0) { $0 + $1.successes.count })
            for (previous, next) in zip(moves, moves.dropFirst()) {
                #expect(next.move.from == previous.move.to, "a move must start where the one before it ended")
            }
            #expect(moves.first?.move.from == nil)
            #expect(final == moves.last?.move.to)
        }
    }

    static func contend(_ bench: String, location: String, actor: String, attempts: Int) async throws -> Outcome {
        let output = try await Task.detached {
            try await TestProcess.run(
                bench,
                [
                    "alias-race", "--registry", location, "--model", "race-model", "--actor", actor, "--attempts",
                    String(attempts),
                ])
        }.value
        guard output.status == 0, let line = output.output.split(separator: "\n").last else {
            throw TestFailure("alias-race \(actor) exited \(output.status):\n\(output.output)")
        }
        return try JSONDecoder().decode(Outcome.self, from: Data(line.utf8))
    }
}
