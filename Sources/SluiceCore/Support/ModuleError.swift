/// The error type of a module (`OfflineError`, `OnlineStoreError`, `StreamingError`, ...): a code
/// callers can match, a message that says what failed with what input and what to do, and the
/// file and line where it was made. Each module names its own `Domain` and adds its codes as
/// static lets in an extension of `Code`, so that errors of different modules never compare
/// equal and code completion offers a module's codes only.
public struct ModuleError<Domain: ErrorDomain>: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }
}

/// The module a `ModuleError` belongs to: an empty enum per module.
public protocol ErrorDomain: Sendable {}
