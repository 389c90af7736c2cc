import HTTPTypes

/// The accepted API tokens, checked in constant time.
struct BearerTokens: Sendable {
    private let tokens: [[UInt8]]

    init(_ tokens: [String]) { self.tokens = tokens.map { Array($0.utf8) } }

    var isEmpty: Bool { tokens.isEmpty }

    static let refusal = APIProblem(
        .unauthorized, "unauthorized", "a valid 'Authorization: Bearer <token>' header is required")

    /// Whether the Authorization header carries an accepted token. Every token is compared in
    /// full, so timing reveals neither which token nearly matched nor how much of it.
    func accept(_ header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.utf8.dropFirst("Bearer ".utf8.count))
        var matched = false
        for token in tokens {
            var difference = UInt8(token.count == given.count ? 0 : 1)
            for index in 0..<token.count { difference |= token[index] ^ (index < given.count ? given[index] : 0) }
            matched = matched || difference == 0
        }
        return matched
    }
}
