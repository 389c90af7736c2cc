/// A value bound to or read from a registry statement: the four types both backends share.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

extension SQLValue {
    public init(_ value: Int) { self = .integer(Int64(value)) }
}
