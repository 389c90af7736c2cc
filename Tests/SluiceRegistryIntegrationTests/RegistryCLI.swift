import Foundation
import SluiceTesting

/// Helpers for tests that drive `sluice models` and `sluice features`.
enum RegistryCLI {
    static let features = ["card__txn_count_1h", "card__amount_sum_1h", "merchant__txn_count_1h"]

    /// A small binary:logistic model xgboost trains on synthetic rows of `features`.
    static func trainModel(trees: Int = 10, depth: Int = 4, names: Bool = true, features: [String] = features)
        async throws
        -> String
    {
        let path =
            FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("model")).path
            + ".json"
        _ = try await PythonTools.run(
            "train_xgboost.py",
            [
                "--out", path, "--features", features.joined(separator: ","), "--synthetic", "2000", "--trees",
                String(trees),
                "--depth", String(depth),
            ] + (names ? [] : ["--no-names"]))
        return path
    }
}
