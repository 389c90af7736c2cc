import Foundation
import SluiceCore

/// The JSON the registry stores and publishes: sorted keys, so that equal values encode to equal
/// bytes (the topology content hash relies on it).
enum RegistryJSON {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            // The registry's types hold only strings, integers and finite doubles (metrics are
            // checked on the way in), which always encode.
            preconditionFailure("registry value did not encode as JSON: \(error)")
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ text: String?, what: String) throws(RegistryError)
        -> Value
    {
        guard let text else { throw RegistryError(.corrupt, "\(what) has no stored body") }
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw RegistryError(.corrupt, "\(what) does not decode: \(error)")
        }
    }
}
