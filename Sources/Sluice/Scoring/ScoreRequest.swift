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

    static func parse(_ body: UnsafeRawBufferPointer) throws(APIProblem) -> ScoreRequest {
        var model: String?
        var event: Range<Int>?
        var id: String?
        var includeFeatures: Bool?
        var problem: APIProblem?
        var scanner = JSONScanner(body)
        do {
            try scanner.scanObject("the body") { scanner, key in
                switch Member(key) {
                case .model:
                    guard try scanner.peek() == UInt8(ascii: "\"") else {
                        problem = problem ?? .badRequest("\"model\" must be the model's name")
                        return try scanner.skipValue()
                    }
                    model = try scanner.scanString()
                case .event:
                    let start = scanner.position
                    let isObject = try scanner.peek() == UInt8(ascii: "{")
                    try scanner.skipValue()
                    guard isObject else {
                        problem =
                            problem
                            ?? .badRequest(
                                "\"event\" must be the transaction as a JSON object, with its fields as on the topic")
                        return
                    }
                    event = start..<scanner.position
                case .requestID:
                    guard try scanner.peek() == UInt8(ascii: "\"") else {
                        problem = problem ?? .badRequest("\"request_id\" must be a string of 1 to 128 characters")
                        return try scanner.skipValue()
                    }
                    id = try scanner.scanString()
                case .includeFeatures:
                    switch try scanner.peek() {
                    case UInt8(ascii: "t"): includeFeatures = try scanner.scanLiteral("true") == "true"
                    case UInt8(ascii: "f"): includeFeatures = try scanner.scanLiteral("false") == "true"
                    default:
                        problem = problem ?? .badRequest("\"include_features\" must be true or false")
                        try scanner.skipValue()
                    }
                case nil:
                    try scanner.skipValue()
                }
            }
        } catch {
            throw APIProblem.badRequest("the body is not valid JSON: \(error). \(shape)")
        }
        if let problem { throw problem }
        guard let model, !model.isEmpty else { throw APIProblem.badRequest("\"model\" must be the model's name") }
        guard let event else {
            throw APIProblem.badRequest(
                "\"event\" must be the transaction as a JSON object, with its fields as on the topic")
        }
        if let id, id.isEmpty || id.unicodeScalars.count > 128 {
            throw APIProblem.badRequest("\"request_id\" must be a string of 1 to 128 characters")
        }
        return ScoreRequest(
            model: model, event: event, id: id,
            includeFeatures: includeFeatures ?? false)
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
    }
}
