import SluiceCore
import SluiceOnlineStore

extension FeatureVector {
    /// `{"view": ..., "entity": ..., "at": ms, "features": {name: value}}`, features in declaration order.
    public var json: String {
        var text = "{\"view\":\(jsonString(view)),\"entity\":\(jsonString(entity)),\"at\":\(at),\"features\":{"
        for (index, name) in names.enumerated() {
            if index > 0 { text += "," }
            text += "\(jsonString(name)):\(jsonNumber(values[index]))"
        }
        return text + "}}"
    }
}

/// A JSON number: integral values without a fraction, others in Swift's shortest round-trip form.
func jsonNumber(_ value: Double?) -> String {
    var out: [UInt8] = []
    appendJSONNumber(value, to: &out)
    return String(decoding: out, as: UTF8.self)
}

/// Appends `jsonNumber`'s text without building a String (once per feature of every answer).
func appendJSONNumber(_ value: Double?, to out: inout [UInt8]) {
    guard let value, value.isFinite else {
        out.append(contentsOf: "null".utf8)
        return
    }
    if value == value.rounded(), abs(value) < 1e15 {
        DecimalText.append(Int64(value), to: &out)
    } else {
        // The standard library hands a double's text to a stream as ASCII bytes.
        withUnsafeMutablePointer(to: &out) { out in
            var stream = ByteStream(out: out)
            value.write(to: &stream)
        }
    }
}

private struct ByteStream: TextOutputStream {
    let out: UnsafeMutablePointer<[UInt8]>

    mutating func write(_ string: String) { out.pointee.append(contentsOf: string.utf8) }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { out.pointee.append(contentsOf: buffer) }
}

/// Appends `text` as a JSON string; text without quotes, backslashes or control characters (ids
/// and feature names, nearly always) is copied as it is.
func appendJSONString(_ text: String, to out: inout [UInt8]) {
    var text = text
    let plain = text.withUTF8 { bytes in
        guard !bytes.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
            return false
        }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: "\""))
        return true
    }
    if !plain { out.append(contentsOf: jsonString(text).utf8) }
}

func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case let control where control.value < 0x20:
            let hex = String(control.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
