import ArgumentParser
import Foundation
import SluiceCore
import SluiceHTTP
import SluiceOnlineStore
import SluiceRedis
import SluiceTopology

/// The serving read path without HTTP or the network: stored entities' HGETALL replies fetched
/// once, then per round every reply decoded, its features computed and the answer encoded as
/// `GET /v1/features` writes it, on one thread. Isolates the CPU Sluice's own code spends per
/// lookup (the rest of a request's cost is HTTP, the kernel and Redis).
struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Time decoding, computing and encoding stored entities as lookups do.")

    @Option var topology = "topologies/fraud.yaml"
    @Option var view = "card"
    @Option(help: "Entities <view>-0 ..< <view>-N are read (as the wrk scripts ask for them).")
    var entities = 20_000
    @Option var rounds = 5
    @Option var redis = ProcessInfo.processInfo.environment["SLUICE_REDIS_URL"] ?? "redis://127.0.0.1:6379"

    func run() throws {
        let compiled = CompiledTopology(try TopologyLoader.load(file: topology))
        let store = OnlineStoreReader(compiled: compiled)
        let connection = try RedisConnection(configuration: try RedisConfiguration(url: redis))
        let requests = (0..<entities).map { (view: view, entity: "\(view)-\($0)") }
        var replies: [RedisValue] = []
        for start in stride(from: 0, to: requests.count, by: 1000) {
            replies += try connection.execute(
                try store.pipeline(for: Array(requests[start..<min(start + 1000, requests.count)])))
        }
        let found = replies.filter { !($0.array?.isEmpty ?? true) }.count
        // The newest event time stored, so that windows cover the data as a live read would.
        let time = try store.vectors(requests, at: .max / 2, replies: replies).compactMap(\.newestEventTime).max() ?? 0
        var readTimes: [Double] = []
        var encodeTimes: [Double] = []
        var bytes = 0
        var out: [UInt8] = []
        for _ in 0..<rounds {
            var vectors: [FeatureVector] = []
            vectors.reserveCapacity(requests.count)
            readTimes.append(
                try Self.seconds {
                    for (request, reply) in zip(requests, replies) {
                        vectors.append(try store.vectors([request], at: time, replies: [reply], inputs: .named([[:]]))[0])
                    }
                })
            bytes = 0
            encodeTimes.append(
                Self.seconds {
                    for vector in vectors {
                        out.removeAll(keepingCapacity: true)
                        OnlineFeatureBackend.encode(vector, into: &out)
                        bytes += out.count
                    }
                })
        }
        let perLookup = { (times: [Double]) in String(format: "%.2f µs", times.min()! / Double(requests.count) * 1e6) }
        print("read: \(requests.count) \(view) lookups (\(found) stored), best of \(rounds) rounds (one thread)")
        print("  decode and compute:  \(perLookup(readTimes)) per lookup")
        print("  encode the answer:   \(perLookup(encodeTimes)) per lookup (\(bytes / requests.count) bytes)")
    }

    private static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let started = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
