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
        var reader = buffer
        guard let value = try Self.parse(&reader, depth: 0) else { return .needMoreData }
        buffer.moveReaderIndex(to: reader.readerIndex)
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }

    /// One complete reply read from `buffer`, or nil (and `buffer` partly consumed) when more
    /// bytes are needed.
    static func parse(_ buffer: inout ByteBuffer, depth: Int) throws(RedisError) -> RedisValue? {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = readLine(&buffer) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            return .status(String(decoding: line.readableBytesView, as: UTF8.self))
        case UInt8(ascii: "-"):
            return .error(String(decoding: line.readableBytesView, as: UTF8.self))
        case UInt8(ascii: ":"):
            return .integer(try integer(line))
        case UInt8(ascii: "$"):
            let length = try integer(line)
            if length == -1 { return .null }
            guard length >= 0, length <= 512 << 20 else { throw protocolError("bulk string length \(length)") }
            guard buffer.readableBytes >= Int(length) + 2, let bytes = buffer.readBytes(length: Int(length)) else {
                return nil
            }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw protocolError("bulk string not followed by CRLF")
            }
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            let count = try integer(line)
            if count == -1 { return .null }
            guard count >= 0, count <= 1 << 24 else { throw protocolError("array length \(count)") }
            guard depth < maxDepth else { throw protocolError("arrays nested deeper than \(maxDepth)") }
            var items: [RedisValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let item = try parse(&buffer, depth: depth + 1) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw protocolError("unknown reply type byte \(marker)")
        }
    }

    /// The bytes up to the next CRLF (consumed with it), or nil if it has not arrived.
    private static func readLine(_ buffer: inout ByteBuffer) -> ByteBuffer? {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\r")) else { return nil }
        let length = end - buffer.readerIndex
        guard buffer.readableBytes >= length + 2 else { return nil }
        let line = buffer.readSlice(length: length)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// A decimal Int64, Int64.min included (digits are accumulated with the number's sign).
    private static func integer(_ line: ByteBuffer) throws(RedisError) -> Int64 {
        var value: Int64 = 0
        var negative = false
        var digits = 0
        for byte in line.readableBytesView {
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

    private static func notAnInteger(_ line: ByteBuffer) -> RedisError {
        protocolError("'\(String(decoding: line.readableBytesView, as: UTF8.self))' is not a 64-bit integer")
    }

    private static func protocolError(_ what: String) -> RedisError {
        RedisError(.protocolError, "Redis sent a reply this client cannot read: \(what)")
    }
}
