import Foundation

/// Paths inside the repository the tests run from (topologies, scripts, the Python environment).
public enum TestRepository {
    /// The repository's root folder, found from this file's own path.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `relative` under the root, as a path.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
