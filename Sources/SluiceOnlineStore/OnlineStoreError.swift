/// A failure reading or writing the online store, other than the Redis client's own
/// (`RedisError`, which passes through unchanged).
public struct OnlineStoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A read named a view the topology does not have.
        public static let unknownView = Code("unknownView")
        /// A stored value (a tile, a tile run, a partition's progress) could not be decoded: the
        /// keys were written by something else, or damaged.
        public static let corruptValue = Code("corruptValue")
        /// Redis answered a command with an error reply or an unexpected shape.
        public static let unexpectedReply = Code("unexpectedReply")
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
