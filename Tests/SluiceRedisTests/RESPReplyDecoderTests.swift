import Testing

@testable import SluiceRedis

@Suite("RESP replies decoded from bytes")
struct RESPReplyDecoderTests {
    /// The reply at the start of `bytes` and the number of bytes it took, or nil.
    static func parse(_ bytes: [UInt8]) throws(RedisError) -> (value: RedisValue, length: Int)? {
        try bytes.withUnsafeBytes { raw in Result { () throws(RedisError) in try RESPReplyDecoder.reply(in: raw) } }
            .get()
    }

    static let replies: [(String, RedisValue)] = [
        ("+OK\r\n", .status("OK")),
        ("-ERR unknown command\r\n", .error("ERR unknown command")),
        (":0\r\n", .integer(0)),
        (":-42\r\n", .integer(-42)),
        (":9223372036854775807\r\n", .integer(.max)),
        (":-9223372036854775808\r\n", .integer(.min)),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("$0\r\n\r\n", .bulkString([])),
        ("$5\r\nhe\r\no\r\n", .bulkString(Array("he\r\no".utf8))),
        ("*0\r\n", .array([])),
        (
            "*4\r\n$6\r\nfield1\r\n$3\r\n\u{0}\u{1}\u{2}\r\n:7\r\n*2\r\n+in\r\n$-1\r\n",
            .array([
                .bulkString(Array("field1".utf8)), .bulkString([0, 1, 2]), .integer(7), .array([.status("in"), .null]),
            ])
        ),
    ]

    @Test("each kind of reply, whole, and nothing from any strict prefix of it")
    func replies() throws {
        for (text, expected) in Self.replies {
            let bytes = Array(text.utf8)
            let parsed = try #require(try Self.parse(bytes), "\(text.debugDescription)")
            #expect(parsed.value == expected, "\(text.debugDescription)")
            #expect(parsed.length == bytes.count, "\(text.debugDescription)")
            for cut in 0..<bytes.count {
                #expect(try Self.parse(Array(bytes[..<cut])) == nil, "\(text.debugDescription) cut at \(cut)")
            }
        }
    }

    @Test("replies one after another are read one at a time, each to its end")
    func consecutive() throws {
        let bytes = Array(Self.replies.map(\.0).joined().utf8)
        var position = 0
        for (text, expected) in Self.replies {
            let parsed = try #require(try Self.parse(Array(bytes[position...])))
            #expect(parsed.value == expected, "\(text.debugDescription)")
            position += parsed.length
        }
        #expect(position == bytes.count)
    }

    @Test("malformed replies are protocol errors naming what is wrong")
    func malformed() {
        let cases: [(String, String)] = [
            ("?what\r\n", "unknown reply type byte 63"),
            (":12a\r\n", "'12a' is not a 64-bit integer"),
            (":9223372036854775808\r\n", "'9223372036854775808' is not a 64-bit integer"),
            (":\r\n", "an empty integer"),
            ("$3\r\nabcde\r\n", "bulk string not followed by CRLF"),
            ("$-2\r\n", "bulk string length -2"),
            ("*-5\r\n", "array length -5"),
            (String(repeating: "*1\r\n", count: 17) + ":1\r\n", "arrays nested deeper than 16"),
        ]
        for (text, message) in cases {
            do {
                _ = try Self.parse(Array(text.utf8))
                Issue.record("\(text.debugDescription) was accepted")
            } catch {
                #expect(error.code == .protocolError, "\(text.debugDescription)")
                #expect(error.message.contains(message), "\(text.debugDescription): \(error.message)")
            }
        }
    }
}
