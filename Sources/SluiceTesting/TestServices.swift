import Foundation

/// The real local services the integration tests use, as `scripts/stack up` starts them.
/// `SLUICE_BROKERS` and `SLUICE_REDIS_URL` point the tests elsewhere.
public enum TestServices {
    public static var brokers: String {
        ProcessInfo.processInfo.environment["SLUICE_BROKERS"] ?? "127.0.0.1:9092"
    }

    public static var redisURL: String {
        ProcessInfo.processInfo.environment["SLUICE_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
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
