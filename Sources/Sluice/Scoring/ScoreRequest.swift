import SluiceCore
import SluiceHTTP

/// The body of POST /v1/score: `{"model": NAME, "event": {...}, "request_id"?: STRING,
/// "include_features"?: BOOL}`, read by the event decoder's scanner in one pass. The event is
/// kept as its own bytes (where it lies in the body) for the topology's decoder; members not
/// named here are skipped, as the OpenAPI document allows.
struct ScoreRequest: Sendable {
    var model: String
    /// Where the event object lies in the body.
    var event: Range<Int>
    /// The caller's id; nil: one is generated.
    var id: String?
    var includeFeatures: Bool

    static let shape =
        "the body must be a JSON object {\"model\": ..., \"event\": {...}, \"request_id\"?: ..., \"include_features\"?: ...}"
    static let modelProblem = APIProblem.badRequest("\"model\" must be the model's name")
    static let eventProblem = APIProblem.badRequest(
        "\"event\" must be the transaction as a JSON object, with its fields as on the topic")
    static let requestIDProblem = APIProblem.badRequest("\"request_id\" must be a string of 1 to 128 characters")
    static let includeFeaturesProblem = APIProblem.badRequest("\"include_features\" must be true or false")

    static func parse(_ body: UnsafeRawBufferPointer) throws(APIProblem) -> ScoreRequest {
        var model: String?
        var event: Range<Int>?
        var id: String?
        var includeFeatures = false
        // The first member of the wrong type; the body is still scanned to the end, so that
        // malformed JSON is reported as such.
        var problem: APIProblem?
        var scanner = JSONScanner(body)
        do {
            try scanner.scanObject("the body") { scanner, key in
                let first = try scanner.peek()
                switch Member(key) {
                case .model where first == UInt8(ascii: "\""): model = try scanner.scanString()
                case .requestID where first == UInt8(ascii: "\""): id = try scanner.scanString()
                case .includeFeatures where first == UInt8(ascii: "t"):
                    _ = try scanner.scanLiteral("true")
                    includeFeatures = true
                case .includeFeatures where first == UInt8(ascii: "f"):
                    _ = try scanner.scanLiteral("false")
                case .event where first == UInt8(ascii: "{"):
                    let start = scanner.position
                    try scanner.skipValue()
                    event = start..<scanner.position
                case let member?:
                    problem = problem ?? member.problem
                    try scanner.skipValue()
                case nil:
                    try scanner.skipValue()
                }
            }
        } catch {
            throw APIProblem.badRequest("the body is not valid JSON: \(error). \(shape)")
        }
        if let problem { throw problem }
        guard let model, !model.isEmpty else { throw modelProblem }
        guard let event else { throw eventProblem }
        if let id, id.isEmpty || id.unicodeScalars.count > 128 { throw requestIDProblem }
        return ScoreRequest(model: model, event: event, id: id, includeFeatures: includeFeatures)
    }

    private enum Member {
        case model, event, requestID, includeFeatures

        init?(_ key: UnsafeRawBufferPointer) {
            switch key.count {
            case 5 where key.elementsEqual("model".utf8): self = .model
            case 5 where key.elementsEqual("event".utf8): self = .event
            case 10 where key.elementsEqual("request_id".utf8): self = .requestID
            case 16 where key.elementsEqual("include_features".utf8): self = .includeFeatures
            default: return nil
            }
        }

        /// What is wrong when the member's value has another JSON type.
        var problem: APIProblem {
            switch self {
            case .model: ScoreRequest.modelProblem
            case .event: ScoreRequest.eventProblem
            case .requestID: ScoreRequest.requestIDProblem
            case .includeFeatures: ScoreRequest.includeFeaturesProblem
            }
        }
    }
}
