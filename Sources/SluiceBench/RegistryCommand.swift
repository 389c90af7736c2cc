import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceRegistry
import SluiceTopology

/// Times the registry's read path and a large registration on a fresh store: resolving an alias
/// now and at a past time, loading every aliased version of a model (what a deployment loads),
/// and registering an artifact end to end (parse, hash, store, commit). Prints one JSON line.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Time alias resolution and registration on a fresh registry.")

    @Option(help: "A fresh registry: a SQLite path or a postgres:// URL to an empty database.")
    var registry: String
    @Option var artifacts: String
    @Option(help: "A small model for the read benchmarks.")
    var model: String
    @Option(help: "A large model to time registration with (e.g. 5 MB).")
    var largeModel: String
    @Option var topology = "topologies/fraud.yaml"
    @Option var iterations = 20_000
    @Option var registrations = 5

    struct Figures: Encodable {
        var backend: String
        var resolveMicroseconds: Percentiles
        var resolveAtMicroseconds: Percentiles
        var aliasedVersionsMicroseconds: Percentiles
        /// A read transaction running `SELECT 1`: the store's fixed cost per read.
        var roundTripMicroseconds: Percentiles
        var registerMilliseconds: Percentiles
        var largeArtifactBytes: Int64
    }

    struct Percentiles: Encodable {
        var p50: Double
        var p99: Double
        var max: Double

        init(_ samples: [Double]) {
            let sorted = samples.sorted()
            p50 = sorted[sorted.count / 2]
            p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
            max = sorted.last ?? 0
        }
    }

    func run() async throws {
        let location = RegistryLocation(registry)
        let registry = try await location.open()
        let store = ArtifactStore(directory: artifacts)
        _ = try await registry.apply(try TopologyLoader.load(file: topology), actor: "bench")
        var pastTime: Int64 = 0
        for version in 1...3 {
            _ = try await ModelRegistration.register(
                ModelRegistrationRequest(model: "bench-model", artifactPath: model), registry: registry,
                artifacts: store,
                actor: "bench")
            try await registry.moveAlias("bench-model", "champion", to: version, actor: "bench")
            if version == 2 { pastTime = Registry.wallClock() }
        }
        try await registry.moveAlias("bench-model", "challenger", to: 2, actor: "bench")
        try await registry.moveAlias("bench-model", "shadow", to: 1, actor: "bench")

        let resolve = try await time(iterations) { _ = try await registry.resolve("bench-model", "champion") }
        let resolveAt = try await time(iterations) {
            _ = try await registry.resolve("bench-model", "champion", at: pastTime)
        }
        let aliased = try await time(iterations) { _ = try await registry.aliasedVersions("bench-model") }
        let roundTrip = try await time(iterations) { _ = try await registry.database.read([SQLStatement("SELECT 1")]) }
        let register = try await time(registrations) {
            _ = try await ModelRegistration.register(
                ModelRegistrationRequest(model: "large-model", artifactPath: largeModel), registry: registry,
                artifacts: store, actor: "bench")
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: largeModel)[.size] as? Int64) ?? 0
        await registry.database.close()
        let figures = Figures(
            backend: location.description, resolveMicroseconds: Percentiles(resolve),
            resolveAtMicroseconds: Percentiles(resolveAt), aliasedVersionsMicroseconds: Percentiles(aliased),
            roundTripMicroseconds: Percentiles(roundTrip),
            registerMilliseconds: Percentiles(register.map { $0 / 1000 }), largeArtifactBytes: bytes ?? 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(figures), as: UTF8.self))
    }

    /// Microseconds per call, after a tenth as many warm-up calls.
    private func time(_ count: Int, _ body: () async throws -> Void) async throws -> [Double] {
        for _ in 0..<max(1, count / 10) { try await body() }
        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let started = clock.now
            try await body()
            let elapsed = clock.now - started
            samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
        }
        return samples
    }
}
