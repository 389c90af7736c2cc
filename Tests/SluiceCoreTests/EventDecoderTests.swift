import SluiceCore
import SluiceCoreTesting
import Testing

@Suite("Event decoding and validation")
struct EventDecoderTests {
    let decoder = Fixtures.decoder
    let valid =
        #"{"txn_id":"t1","card_id":"c1","merchant_id":"m1","amount":12.5,"country":"DE","mcc":5411,"ts":1700000000000}"#

    func decode(_ json: String, messageTimestamp: Int64? = 1_700_000_000_000) -> Result<DecodedEvent, Rejection> {
        decoder.decode(Array(json.utf8), messageTimestamp: messageTimestamp)
    }

    @Test("a valid event decodes every schema field")
    func validEvent() throws {
        let event = try decode(valid).get()
        #expect(event.eventTime == 1_700_000_000_000)
        #expect(
            event.values == [
                .string("t1"), .string("c1"), .string("m1"), .double(12.5), .string("DE"), .int(5411),
                .int(1_700_000_000_000),
            ])
    }

    @Test("unknown fields, nested values, escapes, whitespace and integer amounts are accepted")
    func tolerantInput() throws {
        let json = """
             { "extra": {"a":[1,2,{"b":null}],"c":"}"}, "txn_id" : "t\\u00e9\\n\\"x\\"", "card_id":"c\\ud83d\\ude00",
              "merchant_id":"m1","amount":12,"ts":1700000000000 , "country": null }\t
            """
        let event = try decode(json).get()
        #expect(event.values[0] == .string("té\n\"x\""))
        #expect(event.values[1] == .string("c😀"))
        #expect(event.values[3] == .double(12))
        #expect(event.values[4] == .null)
        #expect(event.values[5] == .null)
    }

    @Test(
        "numbers parse exactly",
        arguments: [
            "0.1", "123.456", "1e2", "-0.0", "9007199254740993", "1.7976931348623157e308", "5e-324",
            "0.30000000000000004",
        ])
    func numbers(_ literal: String) throws {
        let json = #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":\#(literal),"ts":1}"#
        let source = SourceSpec(
            topic: "t", deadLetterTopic: "d",
            fields: Fixtures.source.fields.map { field in
                var field = field
                if field.name == "amount" {
                    field.minimum = nil
                    field.maximum = nil
                }
                return field
            }, eventTimeField: "ts", eventIdField: "txn_id")
        let event = try EventDecoder(source: source, entityFields: []).decode(Array(json.utf8), messageTimestamp: nil)
            .get()
        #expect(event.values[3] == .double(Double(literal)!))
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        let json: String
        let reason: RejectionReason
        let detail: String
        var testDescription: String { "\(reason): \(json.prefix(60))" }
    }

    static let badInputs: [BadInput] = [
        BadInput(json: "not json", reason: .malformedJSON, detail: "expected '{'"),
        BadInput(json: #"{"txn_id":"t1","#, reason: .malformedJSON, detail: "unexpected end"),
        BadInput(json: #"[1,2]"#, reason: .malformedJSON, detail: "JSON object"),
        BadInput(json: #"{"txn_id":"t1"} x"#, reason: .malformedJSON, detail: "after the object"),
        BadInput(
            json: #"{"txn_id":"a","txn_id":"b","card_id":"c","merchant_id":"m","amount":1,"ts":1}"#,
            reason: .malformedJSON, detail: "twice"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":NaN,"ts":1}"#, reason: .malformedJSON,
            detail: "JSON value"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":012,"ts":1}"#, reason: .malformedJSON,
            detail: "leading zero"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":1e999,"ts":1}"#, reason: .invalidNumber,
            detail: "finite"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":"12","ts":1}"#, reason: .wrongType,
            detail: "'amount' must be a number"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":1,"ts":1.5}"#, reason: .wrongType,
            detail: "'ts' must be an integer"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":1,"ts":99999999999999999999}"#,
            reason: .invalidNumber, detail: "'ts'"),
        BadInput(
            json: #"{"txn_id":"t","card_id":7,"merchant_id":"m","amount":1,"ts":1}"#, reason: .wrongType,
            detail: "'card_id' must be a string"),
        BadInput(
            json: #"{"txn_id":"t","card_id":{"x":1},"merchant_id":"m","amount":1,"ts":1}"#, reason: .wrongType,
            detail: "nested"),
        BadInput(
            json: #"{"txn_id":"t","merchant_id":"m","amount":1,"ts":1}"#, reason: .missingField, detail: "'card_id'"),
        BadInput(
            json: #"{"txn_id":"t","card_id":null,"merchant_id":"m","amount":1,"ts":1}"#, reason: .missingField,
            detail: "'card_id'"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":-5,"ts":1}"#, reason: .outOfRange,
            detail: "below the minimum 0"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":1e9,"ts":1}"#, reason: .outOfRange,
            detail: "above the maximum"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"","merchant_id":"m","amount":1,"ts":1}"#, reason: .invalidEntityID,
            detail: "empty"),
        BadInput(
            json:
                #"{"txn_id":"t","card_id":"\#(String(repeating: "x", count: 65))","merchant_id":"m","amount":1,"ts":1}"#,
            reason: .invalidEntityID, detail: "65 bytes"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"a\u0001b","merchant_id":"m","amount":1,"ts":1}"#, reason: .invalidEntityID,
            detail: "control"),
        BadInput(
            json: #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":1,"ts":1700000400000}"#,
            reason: .futureTimestamp, detail: "after the message timestamp"),
        BadInput(
            json:
                #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":1,"ts":1,"pad":"\#(String(repeating: "p", count: 5000))"}"#,
            reason: .oversized, detail: "4096"),
    ]

    @Test("bad input is rejected with its reason and the field it concerns", arguments: badInputs)
    func rejections(_ input: BadInput) {
        switch decode(input.json) {
        case .success(let event):
            Issue.record("accepted \(event)")
        case .failure(let rejection):
            #expect(rejection.reason == input.reason, "\(rejection.detail)")
            #expect(rejection.detail.contains(input.detail), "\(rejection.detail)")
        }
    }

    @Test("invalid UTF-8 in a string is malformed")
    func invalidUTF8() {
        var bytes = Array(#"{"txn_id":"t","card_id":"c"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#"","merchant_id":"m","amount":1,"ts":1}"#.utf8)
        guard case .failure(let rejection) = decoder.decode(bytes, messageTimestamp: nil) else {
            Issue.record("accepted invalid UTF-8")
            return
        }
        #expect(rejection.reason == .malformedJSON)
    }

    @Test("random byte strings never crash the decoder")
    func fuzz() {
        var generator = SplitMix(seed: 42)
        let alphabet = Array(#"{}[]":,.-+eE0123456789truefalsnul\ abc"#.utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 80)
            var bytes = Array(valid.utf8.prefix(Int(generator.next() % 40)))
            for _ in 0..<length { bytes.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            _ = decoder.decode(bytes, messageTimestamp: nil)
        }
    }
}

/// A small deterministic generator for tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
