import Foundation

/// The real local services the integration tests use, as `scripts/stack up` starts them.
/// `SLUICE_BROKERS`, `SLUICE_REDIS_URL` and `SLUICE_POSTGRES_URL` point the tests elsewhere.
public enum TestServices {
    public static var brokers: String {
        ProcessInfo.processInfo.environment["SLUICE_BROKERS"] ?? "127.0.0.1:9092"
    }

    public static var redisURL: String {
        ProcessInfo.processInfo.environment["SLUICE_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
    }

    /// A node of the stack's Redis Cluster (`scripts/stack cluster up`), `SLUICE_REDIS_CLUSTER_PORT`.
    public static var redisClusterPort: Int {
        ProcessInfo.processInfo.environment["SLUICE_REDIS_CLUSTER_PORT"].flatMap(Int.init) ?? 7000
    }

    /// The stack's Redis Cluster as a `redis+cluster://` URL.
    public static var redisClusterURL: String { "redis+cluster://127.0.0.1:\(redisClusterPort)" }

    /// The stack's PostgreSQL server (its `sluice` database).
    public static var postgresURL: String {
        ProcessInfo.processInfo.environment["SLUICE_POSTGRES_URL"] ?? "postgres://sluice@127.0.0.1:5433/sluice"
    }

    /// Creates an empty database on the stack's PostgreSQL server and returns its URL; drop it
    /// with `dropPostgresDatabase` when done.
    public static func freshPostgresDatabase(_ prefix: String) async throws -> String {
        let name = uniqueName(prefix).replacingOccurrences(of: "-", with: "_")
        try await postgresTool("createdb", name)
        var database = try postgresComponents()
        database.path = "/\(name)"
        return database.string ?? postgresURL
    }

    public static func dropPostgresDatabase(_ url: String) async throws {
        guard let name = URLComponents(string: url)?.path.dropFirst(), !name.isEmpty else { return }
        try await postgresTool("dropdb", "--force", String(name))
    }

    private static func postgresComponents() throws -> URLComponents {
        guard let url = URLComponents(string: postgresURL), url.host != nil else {
            throw TestFailure("SLUICE_POSTGRES_URL '\(postgresURL)' is not a postgres:// URL")
        }
        return url
    }

    private static func postgresTool(_ tool: String, _ arguments: String...) async throws {
        let url = try postgresComponents()
        let host = url.host ?? "127.0.0.1"
        let port = url.port ?? 5432
        guard
            let executable = ["/usr/lib/postgresql/15/bin/\(tool)", "/usr/bin/\(tool)"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw TestFailure("\(tool) is not installed; run scripts/setup") }
        let (status, output) = try await TestProcess.run(
            executable, ["-h", host, "-p", "\(port)", "-U", url.user ?? "sluice"] + arguments,
            environment: url.password.map { ["PGPASSWORD": $0] } ?? [:])
        guard status == 0 else {
            throw TestFailure("\(tool) failed on \(host):\(port) (is PostgreSQL up? run scripts/stack up): \(output)")
        }
    }

    /// A name no other test run uses, for topics, groups and keys.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt64.random(in: 0..<UInt64.max).hexString)"
    }

    /// A loopback port with nothing listening, for "service is down" tests.
    public static let closedPort = 1
}

extension UInt64 {
    fileprivate var hexString: String { String(self, radix: 16) }
}
