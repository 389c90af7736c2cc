/// A reply from Redis.
public enum RedisValue: Sendable, Hashable {
    case null
    case integer(Int64)
    /// A bulk string: arbitrary bytes.
    case bulkString([UInt8])
    /// A simple status reply such as OK or QUEUED.
    case status(String)
    /// An error reply. Single commands throw it as `RedisError.serverError`; pipelines return it
    /// in place so the other replies stay usable.
    case error(String)
    case array([RedisValue])

    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .bulkString(let bytes): Double(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    public var string: String? {
        switch self {
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        case .integer(let value): String(value)
        default: nil
        }
    }

    public var bytes: [UInt8]? {
        if case .bulkString(let bytes) = self { return bytes }
        return nil
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool { self == .null }

    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
