import Testing

@testable import SluiceHTTP

/// The request heads `RawLookupFastPath` answers itself: exactly the plainest form of a lookup.
/// Everything else must go to the HTTP pipeline (`.other`), and no prefix of a request may be
/// mistaken for a whole one.
@Suite("Raw lookup request heads")
struct RawRequestHeadTests {
    static func parse(_ text: String, maxHead: Int = 8192) -> RawRequestHead {
        Array(text.utf8).withUnsafeBytes { RawRequestHead.parse($0, maxHead: maxHead) }
    }

    @Test("a plain lookup is read with its target, token and length; every prefix of it is incomplete")
    func plainLookup() {
        let head =
            "GET /v1/features/card/card-1?at=5 HTTP/1.1\r\nHost: x\r\nauthorization: \tBearer abc \r\nX-Empty:\r\n\r\n"
        let expected = RawRequestHead.lookup(
            target: "/v1/features/card/card-1?at=5", authorization: "Bearer abc", length: head.utf8.count)
        #expect(Self.parse(head) == expected)
        #expect(Self.parse(head + "GET /v1/features/card/card-2 HTTP/1.1\r\n\r\n") == expected)
        let bytes = Array(head.utf8)
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[..<cut]).withUnsafeBytes { RawRequestHead.parse($0, maxHead: 8192) }
            #expect(prefix == .incomplete, "prefix of \(cut) bytes")
        }
        #expect(
            Self.parse("GET /v1/features/card/x HTTP/1.1\r\n\r\n")
                == .lookup(target: "/v1/features/card/x", authorization: nil, length: 36))
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
