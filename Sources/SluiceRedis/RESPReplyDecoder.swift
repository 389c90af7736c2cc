import NIOCore

/// Decodes RESP2 replies from a byte stream into `RedisValue`s, one complete reply at a time.
///
/// A reply split across reads is left in the buffer until all of it has arrived, then parsed from
/// its start; serving replies are a few hundred bytes, so the re-parse is cheaper than keeping the
/// state of a half-read nested array.
struct RESPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = RedisValue

    /// Replies nest arrays; deeper than this is not Redis talking.
    static let maxDepth = 16

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try Self.parse(&buffer, depth: 0) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }

    /// One complete reply read from `buffer`, or nil (and `buffer` untouched) when more bytes
    /// are needed.
    static func parse(_ buffer: inout ByteBuffer, depth: Int) throws(RedisError) -> RedisValue? {
        // Parsed from the readable bytes in place: reading element by element through the
        // buffer's own accessors (slices, bounds and uniqueness checks) cost more than the parse.
        let parsed = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(RedisError) in try reply(in: bytes, depth: depth) }
        }
        guard let (value, length) = try parsed.get() else { return nil }
        buffer.moveReaderIndex(forwardBy: length)
        return value
    }

    /// The complete reply at the start of `bytes` and the number of bytes it takes, or nil when
    /// `bytes` ends before it does.
    static func reply(in bytes: UnsafeRawBufferPointer, depth: Int = 0) throws(RedisError)
        -> (value: RedisValue, length: Int)?
    {
        var position = 0
        guard let value = try parse(bytes, at: &position, depth: depth) else { return nil }
        return (value, position)
    }

    /// The complete reply at `position` in `bytes` (`position` then just past it), or nil when
    /// `bytes` ends before it does.
    static func parse(_ bytes: UnsafeRawBufferPointer, at position: inout Int, depth: Int) throws(RedisError)
        -> RedisValue?
    {
        guard position < bytes.count else { return nil }
        let marker = bytes[position]
        // The line: from after the marker to the next CR, which must be followed by one more byte.
        let lineStart = position + 1
        var lineEnd = lineStart
        while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\r") { lineEnd += 1 }
        guard lineEnd + 1 < bytes.count else { return nil }
        let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
        position = lineEnd + 2
        switch marker {
        case UInt8(ascii: "+"):
            return .status(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "-"):
            return .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"):
            return .integer(try integer(line))
        case UInt8(ascii: "$"):
            let length = try integer(line)
            if length == -1 { return .null }
            guard length >= 0, length <= 512 << 20 else { throw protocolError("bulk string length \(length)") }
            guard bytes.count - position >= Int(length) + 2 else { return nil }
            let end = position + Int(length)
            let value = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[position..<end]))
            guard bytes[end] == 0x0D, bytes[end + 1] == 0x0A else {
                throw protocolError("bulk string not followed by CRLF")
            }
            position = end + 2
            return .bulkString(value)
        case UInt8(ascii: "*"):
            let count = try integer(line)
            if count == -1 { return .null }
            guard count >= 0, count <= 1 << 24 else { throw protocolError("array length \(count)") }
            guard depth < maxDepth else { throw protocolError("arrays nested deeper than \(maxDepth)") }
            var items: [RedisValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let item = try parse(bytes, at: &position, depth: depth + 1) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw protocolError("unknown reply type byte \(marker)")
        }
    }

    /// A decimal Int64, Int64.min included (digits are accumulated with the number's sign).
    private static func integer(_ line: UnsafeRawBufferPointer) throws(RedisError) -> Int64 {
        var value: Int64 = 0
        var negative = false
        var digits = 0
        for byte in line {
            if byte == UInt8(ascii: "-") && digits == 0 && !negative {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw notAnInteger(line) }
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { throw notAnInteger(line) }
            value = next
            digits += 1
        }
        guard digits > 0 else { throw protocolError("an empty integer") }
        return value
    }

    private static func notAnInteger(_ line: UnsafeRawBufferPointer) -> RedisError {
        protocolError("'\(String(decoding: line, as: UTF8.self))' is not a 64-bit integer")
    }

    private static func protocolError(_ what: String) -> RedisError {
        RedisError(.protocolError, "Redis sent a reply this client cannot read: \(what)")
    }
}
