import SluiceCore

/// Validates the names the registry stores: models, aliases, views, tag and metric keys.
///
/// A name is 1 to 64 characters of `A-Z a-z 0-9 . _ -` starting with a letter or digit, so that
/// it is safe in URLs, file names and Kafka keys, and `@` and `/` stay free as separators in
/// `NAME@ALIAS` and `NAME/VERSION`. An alias must also start with a letter, so that it never
/// reads as a version number.
public enum RegistryName {
    public static let maximumLength = 64
    public static let maximumTagValueLength = 256
    public static let maximumReasonLength = 1000

    public static func validate(_ name: String, as what: String) throws(RegistryError) {
        guard let problem = problem(name) else { return }
        throw RegistryError(
            .invalidArgument,
            "\(what) '\(name)' \(problem); use 1 to \(maximumLength) of A-Z a-z 0-9 . _ - starting with a letter or digit"
        )
    }

    public static func validateAlias(_ alias: String) throws(RegistryError) {
        try validate(alias, as: "alias")
        guard let first = alias.unicodeScalars.first, isLetter(first) else {
            throw RegistryError(
                .invalidArgument,
                "alias '\(alias)' must start with a letter (names starting with a digit read as versions)")
        }
    }

    public static func validateFreeText(_ text: String, as what: String, maximumLength: Int) throws(RegistryError) {
        let length = text.unicodeScalars.count
        guard length <= maximumLength else {
            throw RegistryError(.invalidArgument, "\(what) is \(length) characters long; at most \(maximumLength)")
        }
        if let bad = text.unicodeScalars.first(where: {
            $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F
        }) {
            throw RegistryError(
                .invalidArgument, "\(what) contains the control character U+\(String(bad.value, radix: 16))")
        }
    }

    private static func problem(_ name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first else { return "is empty" }
        if scalars.count > maximumLength { return "is \(scalars.count) characters long" }
        guard isLetter(first) || isDigit(first) else { return "does not start with a letter or digit" }
        if let bad = scalars.first(where: { !(isLetter($0) || isDigit($0) || $0 == "." || $0 == "_" || $0 == "-") }) {
            return "contains '\(bad)'"
        }
        return nil
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}
