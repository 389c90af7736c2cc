import Foundation
import SluiceTesting

#if canImport(Glibc)
    import Glibc
#endif

/// librdkafka's mock cluster in a child process (`sluice-kafka-mock`), for the tests that take a
/// broker down and bring it back. librdkafka asserts, and so aborts its process, when a mock broker
/// going down cannot rebind its port, which happens now and then on a loaded machine; in a child
/// process that costs one attempt of one test (`MockClusterDied`), not the whole test run.
public final class KafkaMockClusterProcess: @unchecked Sendable {  // Used by one test at a time.
    /// The child process ended: the scenario it served cannot go on, and may be run again.
    public struct MockClusterDied: Error, CustomStringConvertible {
        public let description: String
    }

    public let bootstrapServers: String
    private let process: TestProcess
    private let commands: FileHandle
    private let replies: FileHandle
    private var pending: [UInt8] = []

    /// Starts a cluster of `brokers` with `topics` (name and partition count) created.
    public init(brokers: Int = 1, topics: [String: Int], logFile: String? = nil) throws {
        // A write to a dead child's pipe must fail with EPIPE, not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw TestFailure("pipe() failed: errno \(errno)") }
        // Only the child's own ends reach the child (as its stdin and stdout).
        for descriptor in toChild + fromChild { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let executable = try TestProcess.productExecutable("sluice-kafka-mock", target: "SluiceKafkaMock")
        let arguments = ["\(brokers)"] + topics.map { "\($0.key):\($0.value)" }
        process = try TestProcess(executable, arguments, input: toChild[0], output: fromChild[1], logFile: logFile)
        close(toChild[0])
        close(fromChild[1])
        commands = FileHandle(fileDescriptor: toChild[1], closeOnDealloc: true)
        replies = FileHandle(fileDescriptor: fromChild[0], closeOnDealloc: true)
        let first = try Self.readLine(replies, &pending)
        guard first.hasPrefix("bootstrap ") else { throw TestFailure("sluice-kafka-mock said: \(first)") }
        bootstrapServers = String(first.dropFirst("bootstrap ".count))
    }

    deinit {
        try? commands.close()
        process.stop()
    }

    /// Disconnects broker `id` (1-based) and refuses new connections until `setBrokerUp`.
    public func setBrokerDown(_ id: Int32) throws { try command("down \(id)") }

    public func setBrokerUp(_ id: Int32) throws { try command("up \(id)") }

    private func command(_ line: String) throws {
        do {
            try commands.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw MockClusterDied(description: "sluice-kafka-mock ended before '\(line)': \(error)")
        }
        let reply = try Self.readLine(replies, &pending)
        guard reply == "ok" else { throw TestFailure("sluice-kafka-mock answered '\(line)' with: \(reply)") }
    }

    /// The child's next line; end of file means the child died.
    private static func readLine(_ handle: FileHandle, _ pending: inout [UInt8]) throws -> String {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { throw MockClusterDied(description: "sluice-kafka-mock ended (see its log)") }
            pending += chunk
        }
    }

    /// Runs `scenario` on a fresh cluster, again (up to `attempts` times) when the cluster's
    /// process died under it; any other error, or a failed expectation, is the scenario's own.
    public static func withCluster<Result>(
        brokers: Int = 1, topics: [String: Int], attempts: Int = 3,
        _ scenario: (KafkaMockClusterProcess) async throws -> Result
    ) async throws -> Result {
        var lastDeath: MockClusterDied?
        for attempt in 1...attempts {
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sluice-kafka-mock-\(getpid())-\(UUID().uuidString.prefix(8))-\(attempt).log"
            ).path
            do {
                let cluster = try KafkaMockClusterProcess(brokers: brokers, topics: topics, logFile: log)
                return try await scenario(cluster)
            } catch let death as MockClusterDied {
                let lines = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n") ?? []
                let reasons = lines.filter { $0.contains("Failed") || $0.contains("assert") }
                print("sluice-kafka-mock died on attempt \(attempt): \(reasons.joined(separator: " | ")) (log \(log))")
                lastDeath = death
            }
        }
        throw lastDeath ?? MockClusterDied(description: "no attempt was made (attempts: \(attempts))")
    }
}
