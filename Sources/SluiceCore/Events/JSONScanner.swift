enum JSONSyntax: Error, CustomStringConvertible {
    case expected(String, at: Int)
    case unexpectedEnd
    case trailingBytes(at: Int)
    case badEscape(at: Int)
    case invalidUTF8
    case tooDeep

    var description: String {
        switch self {
        case .expected(let what, let offset): "expected \(what) at byte \(offset)"
        case .unexpectedEnd: "unexpected end of input"
        case .trailingBytes(let offset): "unexpected bytes after the object at byte \(offset)"
        case .badEscape(let offset): "invalid escape sequence at byte \(offset)"
        case .invalidUTF8: "a string is not valid UTF-8"
        case .tooDeep: "nesting deeper than 64 levels"
        }
    }
}

/// A cursor over one JSON document: the event decoder's, and the score request's envelope
/// (`ScoreRequest`). Strings without escapes are lent as the document's own bytes.
package struct JSONScanner {
    package let bytes: UnsafeRawBufferPointer
    package var position = 0
    /// Reused for keys and strings that contain escapes.
    var scratch: [UInt8] = []

    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipWhitespace()
        guard position < bytes.count else { throw JSONSyntax.unexpectedEnd }
        guard bytes[position] == byte else { throw JSONSyntax.expected(what, at: position) }
        position += 1
    }

    package mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw JSONSyntax.unexpectedEnd }
        return bytes[position]
    }

    /// Scans a whole-document object, calling `member` for each key with the cursor on its value.
    /// `what` names the document in the error when it is not an object.
    package mutating func scanObject(
        _ what: String = "an event", _ member: (inout JSONScanner, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try expect(UInt8(ascii: "{"), "'{' (\(what) is a JSON object)")
        if try peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                guard try peek() == UInt8(ascii: "\"") else { throw JSONSyntax.expected("a quoted key", at: position) }
                let key = try scanStringBytes()
                try expect(UInt8(ascii: ":"), "':'")
                _ = try peek()
                if let key {
                    try member(&self, key)
                } else {
                    let copy = scratch
                    try copy.withUnsafeBytes { try member(&self, $0) }
                }
                let next = try peek()
                position += 1
                if next == UInt8(ascii: "}") { break }
                if next != UInt8(ascii: ",") { throw JSONSyntax.expected("',' or '}'", at: position - 1) }
            }
        }
        skipWhitespace()
        if position != bytes.count { throw JSONSyntax.trailingBytes(at: position) }
    }

    /// The raw bytes of a string without escapes, or nil when it had escapes (decoded into `scratch`).
    mutating func scanStringBytes() throws -> UnsafeRawBufferPointer? {
        position += 1  // opening quote
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<position - 1])
            }
            if byte == UInt8(ascii: "\\") {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: bytes[start..<position])
                try decodeEscapedRest()
                return nil
            }
            if byte < 0x20 { throw JSONSyntax.expected("no raw control character in a string", at: position) }
            position += 1
        }
        throw JSONSyntax.unexpectedEnd
    }

    private mutating func decodeEscapedRest() throws {
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw JSONSyntax.unexpectedEnd }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw JSONSyntax.badEscape(at: position) }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw JSONSyntax.badEscape(at: position) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw JSONSyntax.badEscape(at: position) }
                    scratch.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw JSONSyntax.badEscape(at: position - 1)
                }
            default:
                if byte < 0x20 { throw JSONSyntax.expected("no raw control character in a string", at: position - 1) }
                scratch.append(byte)
            }
        }
        throw JSONSyntax.unexpectedEnd
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw JSONSyntax.unexpectedEnd }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw JSONSyntax.badEscape(at: position)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    package mutating func scanString() throws -> String {
        if let raw = try scanStringBytes() { return try Self.text(raw) }
        return try scratch.withUnsafeBytes { try Self.text($0) }
    }

    /// The bytes as a string if they are valid UTF-8. ASCII (ids, codes: nearly every string in
    /// an event) is checked with a plain loop and decoded directly; `String(validating:as:)`,
    /// generic and unspecialised here, costs several times more per call.
    private static func text(_ bytes: UnsafeRawBufferPointer) throws -> String {
        var isASCII = true
        for byte in bytes where byte >= 0x80 {
            isASCII = false
            break
        }
        if isASCII { return String(decoding: bytes, as: UTF8.self) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw JSONSyntax.invalidUTF8 }
        return text
    }

    /// Scans the value of a schema field and checks its JSON type.
    mutating func scanValue(for field: FieldSpec) throws -> FieldValue {
        let first = try peek()
        switch first {
        case UInt8(ascii: "\""):
            guard field.type == .string else {
                throw Rejection(.wrongType, "'\(field.name)' must be \(field.type.jsonDescription), got a string")
            }
            return .string(try scanString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try scanNumber()
            switch field.type {
            case .double:
                let value = number.double
                guard value.isFinite else {
                    throw Rejection(.invalidNumber, "'\(field.name)'=\(number.text) is not a finite number")
                }
                return .double(value)
            case .int, .timestampMillis:
                guard let integer = number.integer else {
                    throw Rejection(
                        number.isIntegerLiteral ? .invalidNumber : .wrongType,
                        "'\(field.name)' must be \(field.type.jsonDescription), got \(number.text)")
                }
                return .int(integer)
            case .string, .bool:
                throw Rejection(
                    .wrongType, "'\(field.name)' must be \(field.type.jsonDescription), got the number \(number.text)")
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            let value = try scanLiteral(first == UInt8(ascii: "t") ? "true" : "false")
            guard field.type == .bool else {
                throw Rejection(.wrongType, "'\(field.name)' must be \(field.type.jsonDescription), got \(value)")
            }
            return .bool(value == "true")
        case UInt8(ascii: "n"):
            _ = try scanLiteral("null")
            return .null
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipValue()
            throw Rejection(.wrongType, "'\(field.name)' must be \(field.type.jsonDescription), got a nested value")
        default:
            throw JSONSyntax.expected("a JSON value for '\(field.name)'", at: position)
        }
    }

    package mutating func scanLiteral(_ literal: StaticString) throws -> String {
        let text = literal.withUTF8Buffer { Array($0) }
        guard position + text.count <= bytes.count, bytes[position..<position + text.count].elementsEqual(text) else {
            throw JSONSyntax.expected("a JSON value", at: position)
        }
        position += text.count
        return String(decoding: text, as: UTF8.self)
    }

    /// Skips any JSON value, nested ones included.
    package mutating func skipValue(depth: Int = 0) throws {
        guard depth < 64 else { throw JSONSyntax.tooDeep }
        let first = try peek()
        switch first {
        case UInt8(ascii: "\""):
            _ = try scanStringBytes()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        case UInt8(ascii: "t"): _ = try scanLiteral("true")
        case UInt8(ascii: "f"): _ = try scanLiteral("false")
        case UInt8(ascii: "n"): _ = try scanLiteral("null")
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = first == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            position += 1
            if try peek() == close {
                position += 1
                return
            }
            while true {
                if first == UInt8(ascii: "{") {
                    guard try peek() == UInt8(ascii: "\"") else {
                        throw JSONSyntax.expected("a quoted key", at: position)
                    }
                    _ = try scanStringBytes()
                    try expect(UInt8(ascii: ":"), "':'")
                }
                try skipValue(depth: depth + 1)
                let next = try peek()
                position += 1
                if next == close { return }
                if next != UInt8(ascii: ",") { throw JSONSyntax.expected("',' or a closing bracket", at: position - 1) }
            }
        default:
            throw JSONSyntax.expected("a JSON value", at: position)
        }
    }

    /// Scans a number per the JSON grammar.
    mutating func scanNumber() throws -> JSONNumber {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var integerDigits = 0
        var exponent = 0
        let digitsStart = position
        while position < bytes.count, let digit = bytes[position].decimalDigit {
            if significantDigits < 19 {
                mantissa = mantissa * 10 + UInt64(digit)
                if mantissa > 0 { significantDigits += 1 }
            } else {
                exponent += 1
                significantDigits += 1
            }
            integerDigits += 1
            position += 1
        }
        guard integerDigits > 0 else { throw JSONSyntax.expected("a digit", at: position) }
        if integerDigits > 1 && bytes[digitsStart] == UInt8(ascii: "0") {
            throw JSONSyntax.expected("no leading zero in a number", at: digitsStart)
        }
        var isIntegerLiteral = true
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            isIntegerLiteral = false
            position += 1
            var fractionDigits = 0
            while position < bytes.count, let digit = bytes[position].decimalDigit {
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + UInt64(digit)
                    if mantissa > 0 { significantDigits += 1 }
                    exponent -= 1
                }
                fractionDigits += 1
                position += 1
            }
            guard fractionDigits > 0 else { throw JSONSyntax.expected("a digit after '.'", at: position) }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            isIntegerLiteral = false
            position += 1
            var exponentNegative = false
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-"))
            {
                exponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            var explicit = 0
            var exponentDigits = 0
            while position < bytes.count, let digit = bytes[position].decimalDigit {
                explicit = min(explicit * 10 + Int(digit), 100_000)
                exponentDigits += 1
                position += 1
            }
            guard exponentDigits > 0 else { throw JSONSyntax.expected("a digit in the exponent", at: position) }
            exponent += exponentNegative ? -explicit : explicit
        }
        return JSONNumber(
            bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), negative: negative, mantissa: mantissa,
            significantDigits: significantDigits, exponent: exponent, isIntegerLiteral: isIntegerLiteral)
    }
}

/// A scanned number. `bytes` points into the message being decoded and is only used while it is.
struct JSONNumber {
    let bytes: UnsafeRawBufferPointer
    /// The literal, built only for the slow parse path and error messages.
    var text: String { String(decoding: bytes, as: UTF8.self) }
    let negative: Bool
    let mantissa: UInt64
    let significantDigits: Int
    let exponent: Int
    let isIntegerLiteral: Bool

    /// The nearest Double. Exact fast path (Clinger) when the mantissa and the power of ten are both
    /// exactly representable; otherwise the standard library's correctly rounded parser.
    var double: Double {
        if significantDigits <= 15 && mantissa < (1 << 53) && abs(exponent) <= 22 {
            let value = Double(mantissa)
            let scaled = exponent >= 0 ? value * powersOfTen[exponent] : value / powersOfTen[-exponent]
            return negative ? -scaled : scaled
        }
        return Double(text) ?? .nan
    }

    /// The value as Int64, when the literal is an integer in range.
    var integer: Int64? {
        guard isIntegerLiteral, significantDigits <= 19, exponent == 0 else { return nil }
        if negative {
            return mantissa <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- mantissa) : nil
        }
        return mantissa <= UInt64(Int64.max) ? Int64(mantissa) : nil
    }
}

private let powersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
}

extension UInt8 {
    fileprivate var decimalDigit: UInt8? {
        self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") ? self - UInt8(ascii: "0") : nil
    }
}
