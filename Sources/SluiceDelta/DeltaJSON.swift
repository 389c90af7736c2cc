import Foundation

/// JSON text of the log's objects: one line, keys sorted, so that equal actions write equal bytes.
enum DeltaJSON {
    static func text(_ object: [String: Any]) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { preconditionFailure("a Delta action is always valid JSON") }
        return String(decoding: data, as: UTF8.self)
    }

    static func object(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) as? [String: Any]
    }

    /// A JSON number as Int64 (JSONSerialization gives NSNumber or Int).
    static func int64(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber {
            let double = number.doubleValue
            return double == double.rounded() ? number.int64Value : nil
        }
        return nil
    }

    static func strings(_ value: Any?) -> [String: String]? {
        guard let object = value as? [String: Any] else { return nil }
        var result: [String: String] = [:]
        for (key, value) in object { if let text = value as? String { result[key] = text } }
        return result
    }
}
