/// Commands queued to be written to Redis in one go and answered in order.
///
/// Commands are encoded to RESP as they are appended, into one reusable byte buffer: a pipeline
/// of N commands costs one write and N reply reads, and `removeAll(keepingCapacity: true)` lets a
/// hot loop reuse the buffer without allocating.
public struct RedisPipeline: Sendable {
    public private(set) var encoded: [UInt8] = []
    /// Number of complete commands queued.
    public private(set) var count = 0
    private var openArguments = 0

    public init(reservingCapacity bytes: Int = 4096) {
        encoded.reserveCapacity(bytes)
    }

    public var isEmpty: Bool { count == 0 }

    /// Bytes the buffer holds without growing.
    public var capacity: Int { encoded.capacity }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        encoded.removeAll(keepingCapacity: keepingCapacity)
        count = 0
        openArguments = 0
    }

    /// Appends the complete commands of another pipeline.
    public mutating func append(contentsOf other: RedisPipeline) {
        precondition(openArguments == 0 && other.openArguments == 0, "a command is incomplete")
        encoded.append(contentsOf: other.encoded)
        count += other.count
    }

    /// Appends one complete command already encoded (a span of another pipeline's `encoded`).
    mutating func append(encodedCommand bytes: ArraySlice<UInt8>) {
        precondition(openArguments == 0, "a command is incomplete")
        encoded.append(contentsOf: bytes)
        count += 1
    }

    /// Appends one command, e.g. `append(["HSET", "key", "field", .int(1)])`.
    public mutating func append(_ arguments: [RedisArgument]) {
        beginCommand(argumentCount: arguments.count)
        for argument in arguments { add(argument) }
    }

    /// Appends one command from literal arguments, e.g. `append("SET", "key", "value")`.
    public mutating func append(_ arguments: RedisArgument...) {
        append(arguments)
    }

    // MARK: - Allocation-free building

    /// Starts a command of `argumentCount` arguments (the command name included); follow with
    /// exactly that many `add` calls.
    public mutating func beginCommand(argumentCount: Int) {
        precondition(openArguments == 0, "the previous command still expects \(openArguments) arguments")
        precondition(argumentCount > 0, "a Redis command has at least its name")
        encoded.append(UInt8(ascii: "*"))
        appendDecimal(argumentCount)
        encoded.append(contentsOf: crlf)
        openArguments = argumentCount
        count += 1
    }

    public mutating func add(_ argument: RedisArgument) {
        switch argument {
        case .string(let text): add(text)
        case .bytes(let bytes): add(bytes: bytes)
        case .int(let value): add(value)
        case .double(let value): add(value)
        }
    }

    public mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Concrete, not generic: called from other modules on the hot path, a generic version runs
    /// unspecialised.
    public mutating func add(bytes: [UInt8]) {
        takeArgument()
        encoded.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count)
        encoded.append(contentsOf: crlf)
        encoded.append(contentsOf: bytes)
        encoded.append(contentsOf: crlf)
    }

    public mutating func add(bytes: UnsafeRawBufferPointer) {
        takeArgument()
        encoded.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count)
        encoded.append(contentsOf: crlf)
        encoded.append(contentsOf: bytes)
        encoded.append(contentsOf: crlf)
    }

    public mutating func add(_ value: Int64) {
        var digits = DecimalDigits(value)
        digits.withBytes { add(bytes: $0) }
    }

    public mutating func add(_ value: Int) { add(Int64(value)) }

    /// Doubles are written in Swift's shortest round-tripping form, which Redis parses exactly.
    public mutating func add(_ value: Double) { add(value.description) }

    private mutating func takeArgument() {
        precondition(openArguments > 0, "beginCommand(argumentCount:) must announce every argument")
        openArguments -= 1
    }

    var isComplete: Bool { openArguments == 0 }

    private mutating func appendDecimal(_ value: Int) {
        var digits = DecimalDigits(Int64(value))
        digits.withBytes { encoded.append(contentsOf: $0) }
    }
}

private let crlf: [UInt8] = [13, 10]

/// The decimal digits of an integer, produced without allocating.
private struct DecimalDigits {
    private var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for Int64.min
    private var start = 24

    init(_ value: Int64) {
        var magnitude = value.magnitude
        withUnsafeMutableBytes(of: &storage) { buffer in
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
        }
    }

    mutating func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        let start = self.start
        return withUnsafeBytes(of: &storage) { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }
}

/// One argument of a Redis command.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes([UInt8])
    case int(Int64)
    case double(Double)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
}
