/// Why a Delta log cannot be read or written: the file and what to do are in the message.
public struct DeltaLogError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A commit line that is not the JSON of an action, or an action missing a required field.
        case corrupt
        /// The table needs a newer reader or writer than Sluice implements.
        case unsupportedProtocol
        /// Versions out of order or missing.
        case gap
        /// The log holds no commit (not a Delta table).
        case noTable
        /// Another writer committed this version first.
        case conflict
        /// A file or folder could not be read or written.
        case fileSystem
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
