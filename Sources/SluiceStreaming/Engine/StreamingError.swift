/// A failure that stops the streaming engine, with what to do about it. Failures the engine
/// rides out (Redis or broker outages, bad events) are retried, dead-lettered and counted
/// instead; the client libraries' own errors (`KafkaError`, `RedisError`) pass through unchanged.
public struct StreamingError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The topology's source topic does not exist on the broker.
        public static let sourceTopicMissing = Code("sourceTopicMissing")
        /// With `untilEnd`, no partition was assigned in time: the group is busy elsewhere.
        public static let noAssignment = Code("noAssignment")
    }

    public var code: Code
    public var message: String
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }
}
