/// An error from the Redis client layer.
///
/// The code tells connection failures (`connectionFailed`, `connectionLost`, `timedOut`), protocol
/// errors and error replies from the server (`serverError`, with Redis' own message) apart.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The URL given for Redis is malformed.
        public static let invalidURL = Code("invalidURL")
        /// No connection could be made (server down, wrong address), after the reconnect policy's attempts.
        public static let connectionFailed = Code("connectionFailed")
        /// The connection broke during a command; whether the command took effect is unknown.
        public static let connectionLost = Code("connectionLost")
        /// The server did not answer within the command timeout; the connection was dropped.
        public static let timedOut = Code("timedOut")
        /// The bytes from the server were not valid RESP.
        public static let protocolError = Code("protocolError")
        /// The server answered with an error reply (WRONGTYPE, NOSCRIPT, ERR ...).
        public static let serverError = Code("serverError")
        /// AUTH or SELECT was refused.
        public static let authenticationFailed = Code("authenticationFailed")
        /// A Redis Cluster cannot serve a command now: its slot has no master (a failover is under
        /// way: CLUSTERDOWN, TRYAGAIN), or a write did not reach a replica in time.
        public static let clusterUnavailable = Code("clusterUnavailable")
        /// A MULTI/EXEC transaction was discarded (EXECABORT, or a WATCHed key changed).
        public static let transactionAborted = Code("transactionAborted")
    }

    public var code: Code
    public var message: String
    /// The server's error reply, for `serverError` and `transactionAborted`.
    public var serverMessage: String?
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ message: String, serverMessage: String? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.serverMessage = serverMessage
        self.file = file
        self.line = line
    }

    /// Connection-level failures may go away on a new connection; error replies will not.
    public var isRetriable: Bool {
        code == .connectionFailed || code == .connectionLost || code == .timedOut || code == .clusterUnavailable
    }

    public var description: String { "RedisError.\(code): \(message)" }
}
