import SluiceCore

/// A view's features for one entity as of one read time.
public struct FeatureVector: Sendable, Equatable {
    public var view: String
    public var entity: String
    /// Read time, epoch milliseconds.
    public var at: Int64
    public var names: [String]
    /// In `names` order; nil where undefined (empty window).
    public var values: [Double?]
    /// Event time of the newest event in the entity's tiles, nil for an unknown entity.
    public var newestEventTime: Int64?

    public subscript(name: String) -> Double?? {
        names.firstIndex(of: name).map { values[$0] }
    }

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
    var out = JSONBytes()
    out.appendNumber(value)
    return String(decoding: out.bytes, as: UTF8.self)
}

/// JSON text being built as bytes. Numbers are written straight into it (through the standard
/// library's text output, which hands doubles over as ASCII): no string per number.
struct JSONBytes: TextOutputStream {
    var bytes: [UInt8] = []

    /// `jsonNumber`'s text: null for nil and non-finite values.
    mutating func appendNumber(_ value: Double?) {
        guard let value, value.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value))
        } else {
            value.write(to: &self)
        }
    }

    mutating func appendInteger(_ value: Int64) { DecimalText.append(value, to: &bytes) }

    mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
}

/// Appends `text` as a JSON string; text without quotes, backslashes or control characters (ids
/// and feature names, nearly always) is copied as it is.
func appendJSONString(_ text: String, to out: inout [UInt8]) {
    var text = text
    let plain = text.withUTF8 { bytes in
        guard !bytes.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else { return false }
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
