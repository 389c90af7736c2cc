import Foundation

/// Parquet pairs for drift tests, written by pyarrow (scripts/py/drift_reference.py make): each
/// case's reference and current file by case name, in a fresh folder the caller removes.
public enum DriftFixtures {
    public static func pairs(seed: Int) async throws -> (folder: String, pairs: [String: [String: String]]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("drift"))
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pairs = try await PythonTools.runJSON(
            "drift_reference.py", ["make", folder, String(seed)], as: [String: [String: String]].self)
        return (folder, pairs)
    }
}
