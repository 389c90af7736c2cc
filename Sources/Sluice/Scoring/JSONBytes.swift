import SluiceCore

/// A small JSON writer for the scoring path's answers and prediction records: appends to a byte
/// buffer, with keys in the order written. Foundation's `JSONSerialization` took 70% of a score
/// request's CPU here (boxing every value, and sorting keys with locale-aware comparisons).
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    private var needsComma = [false]

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func beginObject(_ key: String? = nil) {
        if let key { self.key(key) } else { separate() }
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma.removeLast()
    }

    mutating func string(_ key: String, _ value: String?) {
        self.key(key)
        guard let value else { return bytes.append(contentsOf: "null".utf8) }
        Self.quote(value, into: &bytes)
    }

    mutating func integer(_ key: String, _ value: Int64?) {
        self.key(key)
        guard let value else { return bytes.append(contentsOf: "null".utf8) }
        DecimalText.append(value, to: &bytes)
    }

    /// A finite number in Swift's shortest round-trip form; NaN and infinities as null.
    mutating func number(_ key: String, _ value: Double?) {
        self.key(key)
        append(number: value)
    }

    /// A number under a key already quoted by `quotedKey(_:)`.
    mutating func number(quotedKey: [UInt8], _ value: Double?) {
        separate()
        bytes.append(contentsOf: quotedKey)
        append(number: value)
    }

    /// Appends the members written into `members`, a writer used without an enclosing object
    /// (`"a":1,"b":2`), to the object open here.
    mutating func append(members: JSONBytes) {
        guard !members.bytes.isEmpty else { return }
        separate()
        bytes.append(contentsOf: members.bytes)
    }

    mutating func bool(_ key: String, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    private mutating func append(number value: Double?) {
        guard let value, value.isFinite else { return bytes.append(contentsOf: "null".utf8) }
        bytes.append(contentsOf: value.description.utf8)
    }

    private mutating func key(_ key: String) {
        separate()
        Self.quote(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    /// `key` quoted, followed by the colon: for keys written again and again.
    static func quotedKey(_ key: String) -> [UInt8] {
        var bytes: [UInt8] = []
        quote(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        return bytes
    }

    static func quote(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
