/// Decodes flat JSON objects into `DecodedEvent`s and checks them against the source schema.
///
/// A hand-written scanner rather than Foundation's JSON: it runs once per event on the hot path,
/// decodes only the schema's fields (others are skipped without being built) and reports exactly
/// what is wrong. Nested objects and arrays are accepted and skipped in fields the schema does not
/// name. Duplicate schema fields are rejected, since which one wins is ambiguous.
public struct EventDecoder: Sendable {
    public let source: SourceSpec
    private let fieldNames: [[UInt8]]
    private let eventTimeIndex: Int
    /// Per schema field, its checks, and whether it is an entity key (an array: a set lookup per
    /// field and event showed in profiles).
    private let rules: [FieldRule]

    public init(source: SourceSpec, entityFields: [String]) {
        self.source = source
        self.fieldNames = source.fields.map { Array($0.name.utf8) }
        self.eventTimeIndex = source.fieldIndex(source.eventTimeField) ?? 0
        let entityIndexes = Set(entityFields.compactMap { source.fieldIndex($0) })
        self.rules = source.fields.indices.map { index in
            let field = source.fields[index]
            return FieldRule(
                required: field.required, minimum: field.minimum, maximum: field.maximum, maxLength: field.maxLength,
                isEntity: entityIndexes.contains(index))
        }
    }

    /// The decoder the engine uses for `topology`: its source's schema, the views' keys as
    /// entities. Everything that reads the source topic decodes with it, so that all of them
    /// accept and reject the same messages.
    public init(topology: Topology) {
        self.init(source: topology.source, entityFields: topology.views.map(\.keyField))
    }

    /// Decodes `bytes`; `messageTimestamp` (epoch ms, from Kafka) bounds how far in the future the
    /// event time may be. Deterministic: the same bytes and timestamp always give the same result.
    public func decode(_ bytes: UnsafeRawBufferPointer, messageTimestamp: Int64?) -> Result<DecodedEvent, Rejection> {
        if bytes.count > source.maxMessageBytes {
            return .failure(
                Rejection(
                    .oversized, "message of \(bytes.count) bytes exceeds max_message_bytes \(source.maxMessageBytes)"))
        }
        var values = [FieldValue](repeating: .null, count: fieldNames.count)
        // Fields through a buffer pointer, which lends them: `source.fields[index]` copied each
        // (a retain and release of its strings) per field and event.
        let failure: Rejection? = source.fields.withUnsafeBufferPointer { fields in
            var seen = SeenFields()
            var scanner = JSONScanner(bytes)
            do {
                // Producers write an event's fields in one order, mostly the schema's: the field
                // after the previous one is tried first.
                var expected = 0
                try scanner.scanObject { scanner, key in
                    guard let index = fieldIndex(of: key, tryingFirst: expected) else {
                        try scanner.skipValue()
                        return
                    }
                    expected = index + 1
                    if seen.insert(index) {
                        throw Rejection(.malformedJSON, "field '\(fields[index].name)' appears twice")
                    }
                    values[index] = try scanner.scanValue(for: fields[index])
                }
            } catch let rejection as Rejection {
                return rejection
            } catch {
                return Rejection(.malformedJSON, "\(error)")
            }
            for index in fields.indices {
                if let rejection = check(values[index], field: index) { return rejection }
            }
            return nil
        }
        if let failure { return .failure(failure) }
        guard case .int(let eventTime) = values[eventTimeIndex] else {
            return .failure(Rejection(.missingField, "event time field '\(source.eventTimeField)' is missing"))
        }
        if let messageTimestamp, eventTime > messageTimestamp + source.maxFutureSkew {
            return .failure(
                Rejection(
                    .futureTimestamp,
                    "\(source.eventTimeField)=\(eventTime) is \(eventTime - messageTimestamp) ms after the message timestamp "
                        + "(max_future_skew \(DurationText.format(source.maxFutureSkew)))"))
        }
        return .success(DecodedEvent(values: values, eventTime: eventTime))
    }

    @inline(__always)
    private func fieldIndex(of key: UnsafeRawBufferPointer, tryingFirst expected: Int) -> Int? {
        fieldNames.withUnsafeBufferPointer { names in
            func matches(_ index: Int) -> Bool {
                names[index].count == key.count
                    && names[index].withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
            }
            if expected < names.count && matches(expected) { return expected }
            for index in names.indices where index != expected && matches(index) { return index }
            return nil
        }
    }

    public func decode(_ bytes: [UInt8], messageTimestamp: Int64?) -> Result<DecodedEvent, Rejection> {
        bytes.withUnsafeBytes { decode($0, messageTimestamp: messageTimestamp) }
    }

    /// Checks a field's value against its rules (`source.fields[field]`, whose name is read only
    /// for a rejection: a field's spec holds strings, and copying it per field and event showed).
    private func check(_ value: FieldValue, field: Int) -> Rejection? {
        let rule = rules[field]
        switch value {
        case .null:
            return rule.required
                ? Rejection(.missingField, "required field '\(source.fields[field].name)' is missing or null") : nil
        case .string(var text):
            let length = text.utf8.count
            if rule.isEntity {
                let name = { source.fields[field].name }
                if length == 0 { return Rejection(.invalidEntityID, "entity id '\(name())' is empty") }
                if let maxLength = rule.maxLength, length > maxLength {
                    return Rejection(
                        .invalidEntityID, "entity id '\(name())' is \(length) bytes long (max \(maxLength))")
                }
                if text.withUTF8({ $0.contains { $0 < 0x20 || $0 == 0x7F } }) {
                    return Rejection(.invalidEntityID, "entity id '\(name())' contains control characters")
                }
            } else if let maxLength = rule.maxLength, length > maxLength {
                return Rejection(
                    .outOfRange, "'\(source.fields[field].name)' is \(length) bytes long (max \(maxLength))")
            }
            return nil
        case .int(let number):
            return checkRange(Double(number), field)
        case .double(let number):
            return checkRange(number, field)
        case .bool:
            return nil
        }
    }

    private func checkRange(_ number: Double, _ field: Int) -> Rejection? {
        if let minimum = rules[field].minimum, number < minimum {
            return Rejection(
                .outOfRange,
                "'\(source.fields[field].name)'=\(formatNumber(number)) is below the minimum \(formatNumber(minimum))")
        }
        if let maximum = rules[field].maximum, number > maximum {
            return Rejection(
                .outOfRange,
                "'\(source.fields[field].name)'=\(formatNumber(number)) is above the maximum \(formatNumber(maximum))")
        }
        return nil
    }
}

/// What `EventDecoder.check` needs of a field, without its name.
private struct FieldRule {
    var required: Bool
    var minimum: Double?
    var maximum: Double?
    var maxLength: Int?
    var isEntity: Bool
}

/// Which schema fields an object had, without allocating for schemas of up to 64 fields.
private struct SeenFields {
    private var bits: UInt64 = 0
    private var overflow: Set<Int> = []

    /// Marks `index`; returns whether it was already marked.
    mutating func insert(_ index: Int) -> Bool {
        if index < 64 {
            let mask: UInt64 = 1 << UInt64(index)
            defer { bits |= mask }
            return bits & mask != 0
        }
        return !overflow.insert(index).inserted
    }
}

/// Byte comparison without Foundation (the core has no C imports beyond the standard library).
@inline(__always)
private func memcmp(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, _ count: Int) -> Int32 {
    for index in 0..<count {
        let a = left.load(fromByteOffset: index, as: UInt8.self)
        let b = right.load(fromByteOffset: index, as: UInt8.self)
        if a != b { return a < b ? -1 : 1 }
    }
    return 0
}

func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}

extension FieldSpec.FieldType {
    var jsonDescription: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        case .timestampMillis: "an integer (epoch milliseconds)"
        }
    }
}
