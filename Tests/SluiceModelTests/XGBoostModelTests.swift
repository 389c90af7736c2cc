import Foundation
import SluiceCore
import SluiceModel
import SluiceTesting
import Testing

/// The parser against models xgboost itself trained and saved, and against damaged copies.
@Suite("XGBoost JSON models")
struct XGBoostModelTests {
    struct Trained: Decodable {
        var trees: Int
        var features: [String]
        var baseScore: String

        enum CodingKeys: String, CodingKey {
            case trees, features
            case baseScore = "base_score"
        }
    }

    static let features = ["card__txn_count_1h", "card__amount_sum_1h", "merchant__txn_count_1h"]

    static func train(_ extra: [String] = []) async throws -> (path: String, trained: Trained) {
        let path =
            FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("model"))
            .path + ".json"
        let trained = try await PythonTools.runJSON(
            "train_xgboost.py",
            ["--out", path, "--features", features.joined(separator: ","), "--synthetic", "2000", "--trees", "12"]
                + extra, as: Trained.self)
        return (path, trained)
    }

    /// The saved JSON as an object, changed by `edit`, then parsed.
    static func parseEdited(_ path: String, _ edit: (inout [String: Any]) -> Void) throws(ModelError) -> XGBoostModel {
        var object =
            (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any]
            ?? [:]
        edit(&object)
        return try XGBoostModel.parse((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    /// `parseEdited` with `edit` applied to the array at learner.gradient_booster.model.trees.
    static func parseWithTrees(_ path: String, _ edit: (inout [[String: Any]]) -> Void) throws(ModelError)
        -> XGBoostModel
    {
        try parseEdited(path) { object in
            var learner = object["learner"] as! [String: Any]
            var booster = learner["gradient_booster"] as! [String: Any]
            var model = booster["model"] as! [String: Any]
            var trees = model["trees"] as! [[String: Any]]
            edit(&trees)
            model["trees"] = trees
            booster["model"] = model
            learner["gradient_booster"] = booster
            object["learner"] = learner
        }
    }

    @Test("A model xgboost saved parses with its trees, names and base score")
    func parsesTrainedModel() async throws {
        let (path, trained) = try await Self.train()
        let model = try XGBoostModel.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(model.trees.count == trained.trees)
        #expect(model.featureNames == Self.features && trained.features == Self.features)
        #expect(model.featureCount == 3)
        #expect(model.objective == "binary:logistic")
        let expectedBase = Float(trained.baseScore.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        #expect(model.baseScore == expectedBase)
        #expect(model.trees.allSatisfy { $0.leafCount * 2 - 1 == $0.nodeCount })
    }

    @Test("A model saved without feature names parses with none")
    func noNames() async throws {
        let (path, _) = try await Self.train(["--no-names"])
        let model = try XGBoostModel.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(model.featureNames.isEmpty && model.featureCount == 3)
    }

    @Test("Truncated files, other formats and other JSON are refused, saying why")
    func malformed() async throws {
        let (path, _) = try await Self.train()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for (data, message) in [
            (bytes.prefix(bytes.count / 2), "not JSON"),
            (Data([0x80, 0x04, 0x95, 0x00, 0x7B]), "not JSON"),
            (Data("{\"model\": 1}".utf8), "version is missing"),
            (Data("[1, 2]".utf8), "the model is missing or not an object"),
        ] {
            let error = #expect(throws: ModelError.self) { try XGBoostModel.parse(Data(data)) }
            #expect(error?.code == .malformed)
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        }
    }

    @Test("Boosters, objectives and splits Sluice does not evaluate are refused by name")
    func unsupported() async throws {
        let (path, _) = try await Self.train()
        func learner(_ object: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
            var learner = object["learner"] as! [String: Any]
            edit(&learner)
            object["learner"] = learner
        }
        let linear = #expect(throws: ModelError.self) {
            try Self.parseEdited(path) { object in
                learner(&object) { learner in
                    var booster = learner["gradient_booster"] as! [String: Any]
                    booster["name"] = "gblinear"
                    learner["gradient_booster"] = booster
                }
            }
        }
        #expect(linear?.code == .unsupported && linear?.message.contains("gblinear") == true)
        let multi = #expect(throws: ModelError.self) {
            try Self.parseEdited(path) { object in
                learner(&object) { $0["objective"] = ["name": "multi:softprob"] }
            }
        }
        #expect(multi?.code == .unsupported && multi?.message.contains("multi:softprob") == true)
    }

    @Test("A tree whose children point outside it is refused with its path")
    func brokenTree() async throws {
        let (path, _) = try await Self.train()
        let error = #expect(throws: ModelError.self) {
            try Self.parseWithTrees(path) { trees in
                var left = trees[3]["left_children"] as! [Int]
                left[0] = 9_999
                trees[3]["left_children"] = left
            }
        }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains("trees[3] node 0 has children 9999") == true, "\(error?.message ?? "")")
    }

    @Test("Thresholds of exactly 0 and 1 are numbers, not booleans")
    func integralThresholds() async throws {
        let (path, _) = try await Self.train()
        let model = try Self.parseWithTrees(path) { trees in
            var conditions = trees[0]["split_conditions"] as! [Double]
            conditions[0] = 0
            conditions[1] = 1
            trees[0]["split_conditions"] = conditions
        }
        #expect(model.trees[0].splitConditions.prefix(2) == [0, 1])
    }
}
