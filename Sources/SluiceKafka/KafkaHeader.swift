/// A Kafka record header. Values are bytes; `nil` is a header without a value.
public struct KafkaHeader: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    public init(key: String, value: String) {
        self.key = key
        self.value = Array(value.utf8)
    }

    /// The value decoded as UTF-8, when it is valid UTF-8.
    public var stringValue: String? {
        value.flatMap { String(validating: $0, as: UTF8.self) }
    }
}

extension Array where Element == KafkaHeader {
    /// The value of the first header with `key`.
    public func first(_ key: String) -> [UInt8]? {
        first(where: { $0.key == key })?.value ?? nil
    }
}
