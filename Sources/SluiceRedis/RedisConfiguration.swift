/// How to reach and use a Redis server or a Redis Cluster. Defaults: the local stack at
/// 127.0.0.1:6379, db 0.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 6379
    /// The nodes a Redis Cluster is discovered from (`redis+cluster://`); nil for one server.
    /// `host` and `port` are then the first of them.
    public var clusterSeeds: [RedisClusterSlotMap.Node]?
    /// ACL user name (Redis 6+). Nil authenticates as the default user when `password` is set.
    public var username: String?
    public var password: String?
    /// Database selected after connecting. Default 0.
    public var database: Int = 0
    /// Limit for establishing a connection. Default 2 s.
    public var connectTimeout: Duration = .seconds(2)
    /// Limit for one command or pipeline's replies; nil waits forever. Default 5 s.
    public var commandTimeout: Duration? = .seconds(5)
    /// Name shown by CLIENT LIST. Default "sluice".
    public var clientName: String? = "sluice"
    /// How a broken connection is re-established before the next command.
    public var reconnect = RedisReconnectPolicy()

    public init(host: String = "127.0.0.1", port: Int = 6379, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `redis://[user:password@]host[:port][/db]` (user and password percent-encoded,
    /// `redis://:password@host` for a password alone, `[::1]` for IPv6 hosts), or
    /// `redis+cluster://[user:password@]host:port[,host:port...]` for a Redis Cluster found from
    /// any of the nodes listed (database 0, the only one a cluster has).
    public init(url: String) throws(RedisError) {
        self.init()
        if url.hasPrefix(Self.clusterScheme) {
            try self.init(clusterURL: url)
            return
        }
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else {
            if url.hasPrefix("rediss://") {
                throw RedisError(
                    .invalidURL, "'\(Self.redacted(url))': TLS (rediss://) is not supported by hiredis 0.14")
            }
            throw RedisError(
                .invalidURL, "'\(Self.redacted(url))' is not a Redis URL; expected redis://[user:password@]host:port/db"
            )
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = String(credentials[..<colon])
                username = user.isEmpty ? nil : try Self.percentDecoded(user, in: url)
                password = try Self.percentDecoded(String(credentials[credentials.index(after: colon)...]), in: url)
            } else {
                // redis://password@host is a common shorthand for a password alone.
                password = try Self.percentDecoded(String(credentials), in: url)
            }
        }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let path = rest[rest.index(after: slash)...].prefix { $0 != "?" }
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else {
                    throw RedisError(
                        .invalidURL, "'\(Self.redacted(url))': database '\(path)' is not a non-negative integer")
                }
                database = db
            }
        }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw RedisError(.invalidURL, "'\(Self.redacted(url))': IPv6 host is missing its closing ']'")
            }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            authority = authority[authority.index(after: close)...]
            if authority.hasPrefix(":") { try setPort(authority.dropFirst(), url: url) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            try setPort(authority[authority.index(after: colon)...], url: url)
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw RedisError(.invalidURL, "'\(Self.redacted(url))' has no host") }
    }

    private static let clusterScheme = "redis+cluster://"

    private init(clusterURL url: String) throws(RedisError) {
        var rest = Substring(url.dropFirst(Self.clusterScheme.count))
        var credentials = ""
        if let at = rest.lastIndex(of: "@") {
            credentials = String(rest[...at])
            rest = rest[rest.index(after: at)...]
        }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        let seeds = rest.split(separator: ",", omittingEmptySubsequences: false)
        guard !rest.isEmpty, seeds.allSatisfy({ !$0.isEmpty }) else {
            throw RedisError(
                .invalidURL,
                "'\(Self.redacted(url))' names no cluster node; expected redis+cluster://[user:password@]host:port[,host:port...]"
            )
        }
        var nodes: [RedisClusterSlotMap.Node] = []
        for seed in seeds {
            let node: RedisConfiguration
            do throws(RedisError) {
                node = try RedisConfiguration(url: "redis://\(seed)")
            } catch {
                throw RedisError(.invalidURL, "'\(Self.redacted(url))': cluster node '\(seed)': \(error.message)")
            }
            nodes.append(RedisClusterSlotMap.Node(host: node.host, port: node.port))
        }
        try self.init(url: "redis://\(credentials)\(seeds[0])\(path)")
        guard database == 0 else {
            throw RedisError(.invalidURL, "'\(Self.redacted(url))': a Redis Cluster has database 0 only")
        }
        clusterSeeds = nodes
    }

    private mutating func setPort(_ text: Substring, url: String) throws(RedisError) {
        guard let value = Int(text), (1...65535).contains(value) else {
            throw RedisError(.invalidURL, "'\(Self.redacted(url))': port '\(text)' is not in 1...65535")
        }
        port = value
    }

    /// The address without credentials, for messages: `redis://host:port/db`, or
    /// `redis+cluster://host:port,...` for a cluster.
    public var displayURL: String {
        let user = username.map { "\($0)@" } ?? ""
        if let clusterSeeds {
            return "redis+cluster://\(user)\(clusterSeeds.map(\.description).joined(separator: ","))"
        }
        return "redis://\(user)\(RedisClusterSlotMap.Node(host: host, port: port))/\(database)"
    }

    /// This configuration aimed at one node of its cluster (credentials and limits kept).
    public func node(_ node: RedisClusterSlotMap.Node) -> RedisConfiguration {
        var configuration = self
        configuration.host = node.host
        configuration.port = node.port
        configuration.clusterSeeds = nil
        return configuration
    }

    private static func percentDecoded(_ text: String, in url: String) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else {
                throw RedisError(.invalidURL, "'\(redacted(url))': bad percent-encoding in the credentials")
            }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL with its password replaced, so that it can appear in errors and logs.
    static func redacted(_ url: String) -> String {
        let scheme = url.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard scheme.count == 3, scheme[0].hasSuffix(":"), scheme[1].isEmpty else { return url }
        let afterScheme = scheme[2]
        guard let at = afterScheme.lastIndex(of: "@") else { return url }
        let credentials = afterScheme[..<at]
        let user = credentials.firstIndex(of: ":").map { credentials[..<$0] } ?? ""
        return "\(scheme[0])//\(user):***\(afterScheme[at...])"
    }
}

/// Bounded exponential backoff for reconnecting: attempt n waits `initialBackoff * 2^(n-1)`,
/// capped at `maxBackoff`, for at most `maxAttempts` attempts before the command fails with
/// `connectionFailed`.
public struct RedisReconnectPolicy: Sendable, Equatable {
    public var maxAttempts: Int = 5
    public var initialBackoff: Duration = .milliseconds(50)
    public var maxBackoff: Duration = .seconds(2)

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2))
    {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait before attempt `attempt` (1-based; the first attempt does not wait).
    public func delay(beforeAttempt attempt: Int) -> Duration {
        guard attempt > 1 else { return .zero }
        let factor = 1 << min(attempt - 2, 30)
        return min(initialBackoff * factor, maxBackoff)
    }
}
