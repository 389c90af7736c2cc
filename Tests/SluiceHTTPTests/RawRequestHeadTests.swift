import Testing

@testable import SluiceHTTP

/// The request heads `RawLookupFastPath` answers itself: exactly the plainest form of a lookup or
/// a score.
/// Everything else must go to the HTTP pipeline (`.other`), and no prefix of a request may be
/// mistaken for a whole one.
@Suite("Raw lookup request heads")
struct RawRequestHeadTests {
    static func parse(_ text: String, maxHead: Int = 8192) -> RawRequestHead {
        Array(text.utf8).withUnsafeBytes { RawRequestHead.parse($0, maxHead: maxHead) }
    }

    /// No proper prefix of a request may be read as a whole one.
    static func expectPrefixesIncomplete(_ text: String) {
        let bytes = Array(text.utf8)
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[..<cut]).withUnsafeBytes { RawRequestHead.parse($0, maxHead: 8192) }
            #expect(prefix == .incomplete, "prefix of \(cut) bytes")
        }
    }

    @Test("a plain lookup is read with its target, token and length; every prefix of it is incomplete")
    func plainLookup() {
        let head =
            "GET /v1/features/card/card-1?at=5 HTTP/1.1\r\nHost: x\r\nauthorization: \tBearer abc \r\nX-Empty:\r\n\r\n"
        let expected = RawRequestHead.lookup(
            target: "/v1/features/card/card-1?at=5", authorization: "Bearer abc", length: head.utf8.count)
        #expect(Self.parse(head) == expected)
        #expect(Self.parse(head + "GET /v1/features/card/card-2 HTTP/1.1\r\n\r\n") == expected)
        Self.expectPrefixesIncomplete(head)
        #expect(
            Self.parse("GET /v1/features/card/x HTTP/1.1\r\n\r\n")
                == .lookup(target: "/v1/features/card/x", authorization: nil, length: 36))
    }

    @Test("a plain score is taken once its whole body has arrived; every prefix of it is incomplete")
    func plainScore() {
        let body = "{\"model\":\"m\",\"event\":{}}"
        let head =
            "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer abc\r\n"
            + "content-length: \(body.utf8.count)\r\n\r\n"
        let request = head + body
        let expected = RawRequestHead.score(
            authorization: "Bearer abc", headLength: head.utf8.count, bodyLength: body.utf8.count)
        #expect(Self.parse(request) == expected)
        #expect(Self.parse(request + "POST /v1/score HTTP/1.1\r\n") == expected)
        Self.expectPrefixesIncomplete(request)
        let large = RawRequestHead.maxScoreBody + 1
        let others = [
            "POST /v1/score HTTP/1.1\r\n\r\n",  // no Content-Length
            "POST /v1/score?x=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
            "POST /v1/scores HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
            "POST /v1/score HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}",
            "POST /v1/score HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
            "POST /v1/score HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}",
            "POST /v1/score HTTP/1.1\r\nContent-Length: \(large)\r\n\r\n",
            "POST /v1/score HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST /v1/score HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
            "POST /v1/score HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        ]
        for text in others { #expect(Self.parse(text) == .other, "\(text.debugDescription)") }
    }

    @Test(
        "other routes, methods, versions and line ends, malformed headers and framing headers go to the HTTP pipeline")
    func others() {
        let others = [
            "GET /healthz HTTP/1.1\r\n\r\n",
            "POST /v1/features HTTP/1.1\r\n\r\n",
            "get /v1/features/card/x HTTP/1.1\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.0\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\n\n",
            "GET /v1/features/card/x HTTP/1.1\r\nHost: x\n\r\n",
            "GET /v1/features/card/x\r\n\r\n",
            "GET /v1/features/card/x  HTTP/1.1\r\n\r\n",
            "GET /v1/features/card/\u{7F} HTTP/1.1\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nBad Header: x\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nNoColon\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nHost: a\u{1}b\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nHost: a\rb\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nCONNECTION: close\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nTE: trailers\r\n\r\n",
            "GET /v1/features/card/x HTTP/1.1\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n",
        ]
        for text in others { #expect(Self.parse(text) == .other, "\(text.debugDescription)") }
    }

    @Test("a head that does not end within the limit goes to the HTTP pipeline, which answers it too large")
    func limit() {
        let open = "GET /v1/features/card/x HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 200)
        #expect(Self.parse(open, maxHead: 1024) == .incomplete)
        #expect(Self.parse(open, maxHead: 100) == .other)
        #expect(Self.parse("GET /v1/features/" + String(repeating: "a", count: 200), maxHead: 100) == .other)
    }
}
