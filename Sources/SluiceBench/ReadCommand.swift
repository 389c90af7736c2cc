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
/// lookup (the rest of a request's cost is HTTP, the kernel and Redis). With several views
/// (`--view card,merchant,device`), each lookup reads one entity of each in one call, as a score
/// request does; entity i of a view is `<prefix>(i mod its entity count)`.
struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Time decoding, computing and encoding stored entities as lookups do.")

    @Option var topology = "topologies/fraud.yaml"
    @Option(help: "A view, or several separated by commas.") var view = "card"
    @Option(help: "Entities <prefix>0 ..< <prefix>N are read (as the wrk scripts ask for them); per view, by commas.")
    var entities = "20000"
    @Option(
        help:
            "The entity ids' prefix (default: the view's name and a dash; the demo's merchants are m-); per view, by commas."
    )
    var prefix: String?
    @Option var rounds = 5
    @Option var redis = ProcessInfo.processInfo.environment["SLUICE_REDIS_URL"] ?? "redis://127.0.0.1:6379"

    func run() throws {
        let compiled = CompiledTopology(try TopologyLoader.load(file: topology))
        let store = OnlineStoreReader(compiled: compiled)
        let connection = try RedisConnection(configuration: try RedisConfiguration(url: redis))
        let views = view.split(separator: ",").map(String.init)
        let counts = entities.split(separator: ",").compactMap { Int($0) }
        let prefixes = prefix?.split(separator: ",").map(String.init) ?? views.map { "\($0)-" }
        guard counts.count == views.count, prefixes.count == views.count, counts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--entities and --prefix need one value per view")
        }
        let lookups = counts.max()!
        // Lookup i reads requests[i * views.count ..< (i + 1) * views.count].
        let requests = (0..<lookups).flatMap { index in
            views.indices.map { (view: views[$0], entity: "\(prefixes[$0])\(index % counts[$0])") }
        }
        var replies: [RedisValue] = []
        for start in stride(from: 0, to: requests.count, by: 999) {
            replies += try connection.execute(
                try store.pipeline(for: Array(requests[start..<min(start + 999, requests.count)])))
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
                    for start in stride(from: 0, to: requests.count, by: views.count) {
                        let range = start..<start + views.count
                        vectors += try store.vectors(
                            Array(requests[range]), at: time, replies: Array(replies[range]), inputs: .named([[:]]))
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
        let perLookup = { (times: [Double]) in String(format: "%.2f µs", times.min()! / Double(lookups) * 1e6) }
        print("read: \(lookups) \(view) lookups (\(found) entities stored), best of \(rounds) rounds (one thread)")
        print("  decode and compute:  \(perLookup(readTimes)) per lookup")
        print("  encode the answer:   \(perLookup(encodeTimes)) per lookup (\(bytes / lookups) bytes)")
    }

    private static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let started = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
