/// A mistake in a topology file, with where it is and what is allowed.
public struct TopologyIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// All the mistakes found in one topology file.
public struct TopologyError: Error, Sendable, CustomStringConvertible {
    public var issues: [TopologyIssue]

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
