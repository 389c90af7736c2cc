import Foundation
import SluiceCore

/// Walks the JSON object tree of an XGBoost model, naming the path of whatever is missing or
/// wrong (`learner.gradient_booster.model.trees[3].left_children`).
struct XGBoostJSONReader {
    let root: Any

    mutating func model() throws(ModelError) -> XGBoostModel {
        let top = try object(root, at: "the model")
        let version = try array(top["version"], at: "version").map { value throws(ModelError) in
            try integer(value, at: "version")
        }
        guard version.count == 3 else { throw malformed("version is not [major, minor, patch]") }
        let learner = try object(top["learner"], at: "learner")
        let booster = try object(learner["gradient_booster"], at: "learner.gradient_booster")
        let boosterName = try string(booster["name"], at: "learner.gradient_booster.name")
        guard boosterName == "gbtree" || boosterName == "dart" else {
            throw ModelError(
                .unsupported, "booster \(boosterName) is not supported; Sluice evaluates gbtree and dart models")
        }
        // A dart booster wraps a gbtree one and weighs its trees.
        let treeBooster =
            boosterName == "dart"
            ? try object(booster["gbtree"], at: "learner.gradient_booster.gbtree") : booster
        let treeWeights =
            boosterName == "dart"
            ? try array(booster["weight_drop"], at: "learner.gradient_booster.weight_drop").map {
                value throws(ModelError) in
                guard let number = value as? NSNumber else {
                    throw malformed("learner.gradient_booster.weight_drop holds a non-number")
                }
                return number.floatValue
            } : nil
        let objective = try string(
            try object(learner["objective"], at: "learner.objective")["name"], at: "learner.objective.name")
        guard XGBoostModel.supportedObjectives.contains(objective) else {
            throw ModelError(
                .unsupported,
                "objective \(objective) is not supported; Sluice evaluates "
                    + XGBoostModel.supportedObjectives.sorted().joined(separator: ", "))
        }
        let parameters = try object(learner["learner_model_param"], at: "learner.learner_model_param")
        let featureCount = try numericString(parameters["num_feature"], at: "learner.learner_model_param.num_feature")
        if let classes = parameters["num_class"], try numericString(classes, at: "num_class") > 1 {
            throw ModelError(.unsupported, "multi-class models are not supported; Sluice scores one output")
        }
        if let targets = parameters["num_target"], try numericString(targets, at: "num_target") > 1 {
            throw ModelError(.unsupported, "multi-target models are not supported; Sluice scores one output")
        }
        let baseScore = try self.baseScore(parameters["base_score"])
        let nameValues =
            learner["feature_names"] == nil ? [] : try array(learner["feature_names"], at: "learner.feature_names")
        let names = try nameValues.map { value throws(ModelError) in try string(value, at: "learner.feature_names") }
        guard names.isEmpty || names.count == featureCount else {
            throw malformed("learner.feature_names has \(names.count) names for \(featureCount) features")
        }
        if let types = learner["feature_types"] as? [Any], types.contains(where: { ($0 as? String) == "c" }) {
            throw ModelError(.unsupported, "categorical features are not supported; encode them as numbers")
        }
        let model = try object(treeBooster["model"], at: "learner.gradient_booster.model")
        let treeValues = try array(model["trees"], at: "learner.gradient_booster.model.trees")
        var trees: [XGBoostTree] = []
        trees.reserveCapacity(treeValues.count)
        for (index, value) in treeValues.enumerated() {
            trees.append(
                try tree(value, at: "learner.gradient_booster.model.trees[\(index)]", featureCount: featureCount))
        }
        if let declared = try object(model["gbtree_model_param"], at: "gbtree_model_param")["num_trees"] {
            let count = try numericString(declared, at: "gbtree_model_param.num_trees")
            guard count == trees.count else {
                throw malformed("gbtree_model_param.num_trees is \(count) but the model has \(trees.count) trees")
            }
        }
        if let treeWeights, treeWeights.count != trees.count {
            throw malformed("weight_drop has \(treeWeights.count) weights for \(trees.count) trees")
        }
        return XGBoostModel(
            featureNames: names, featureCount: featureCount, objective: objective, baseScore: baseScore, trees: trees,
            treeWeights: treeWeights, xgboostVersion: version)
    }

    private func tree(_ value: Any, at path: String, featureCount: Int) throws(ModelError) -> XGBoostTree {
        let tree = try object(value, at: path)
        let nodeCount = try numericString(
            try object(tree["tree_param"], at: "\(path).tree_param")["num_nodes"], at: "\(path).tree_param.num_nodes")
        func integers(_ key: String) throws(ModelError) -> [Int32] {
            let values = try array(tree[key], at: "\(path).\(key)")
            guard values.count == nodeCount else {
                throw malformed("\(path).\(key) has \(values.count) entries for \(nodeCount) nodes")
            }
            return try values.map { value throws(ModelError) in
                let number = try integer(value, at: "\(path).\(key)")
                guard let small = Int32(exactly: number) else { throw malformed("\(path).\(key) holds \(number)") }
                return small
            }
        }
        let left = try integers("left_children")
        let right = try integers("right_children")
        let splitIndices = try integers("split_indices")
        let defaultLeft = try integers("default_left").map { $0 != 0 }
        let conditionValues = try array(tree["split_conditions"], at: "\(path).split_conditions")
        guard conditionValues.count == nodeCount else {
            throw malformed("\(path).split_conditions has \(conditionValues.count) entries for \(nodeCount) nodes")
        }
        let conditions = try conditionValues.map { value throws(ModelError) in
            // Foundation bridges 0 and 1 to Bool too, so a Bool check would refuse real thresholds.
            guard let number = value as? NSNumber else {
                throw malformed("\(path).split_conditions holds a non-number")
            }
            return number.floatValue
        }
        if let types = tree["split_type"] as? [Any], types.contains(where: { ($0 as? NSNumber)?.intValue ?? 0 != 0 }) {
            throw ModelError(.unsupported, "\(path) has categorical splits, which Sluice does not evaluate")
        }
        guard nodeCount > 0 else { throw malformed("\(path) has no nodes") }
        for node in 0..<nodeCount {
            let (l, r) = (Int(left[node]), Int(right[node]))
            if l == -1 {
                guard r == -1 else { throw malformed("\(path) node \(node) has a right child but no left one") }
                continue
            }
            guard l > node, l < nodeCount, r > node, r < nodeCount else {
                throw malformed("\(path) node \(node) has children \(l) and \(r) outside \(node + 1)..<\(nodeCount)")
            }
            guard splitIndices[node] >= 0, Int(splitIndices[node]) < featureCount else {
                throw malformed("\(path) node \(node) splits on feature \(splitIndices[node]) of \(featureCount)")
            }
        }
        return XGBoostTree(
            leftChildren: left, rightChildren: right, splitIndices: splitIndices, splitConditions: conditions,
            defaultLeft: defaultLeft)
    }

    /// `base_score` is a string: `"5E-1"`, or `"[5E-1]"` in models saved by XGBoost 3.
    private func baseScore(_ value: Any?) throws(ModelError) -> Float {
        guard var text = value as? String else { throw malformed("learner.learner_model_param.base_score is missing") }
        if text.hasPrefix("[") && text.hasSuffix("]") {
            text = String(text.dropFirst().dropLast())
            guard !text.contains(",") else {
                throw ModelError(.unsupported, "a vector base_score (\(text)) means several outputs; Sluice scores one")
            }
        }
        guard let score = Float(text.trimmingCharacters(in: .whitespaces)), score.isFinite else {
            throw malformed("learner.learner_model_param.base_score '\(text)' is not a number")
        }
        return score
    }

    // MARK: - JSON access

    private func object(_ value: Any?, at path: String) throws(ModelError) -> [String: Any] {
        guard let object = value as? [String: Any] else { throw malformed("\(path) is missing or not an object") }
        return object
    }

    private func array(_ value: Any?, at path: String) throws(ModelError) -> [Any] {
        guard let array = value as? [Any] else { throw malformed("\(path) is missing or not an array") }
        return array
    }

    private func string(_ value: Any?, at path: String) throws(ModelError) -> String {
        guard let string = value as? String else { throw malformed("\(path) is missing or not a string") }
        return string
    }

    private func integer(_ value: Any?, at path: String) throws(ModelError) -> Int {
        guard let number = value as? NSNumber, let integer = Int(exactly: number.doubleValue)
        else { throw malformed("\(path) holds a non-integer") }
        return integer
    }

    /// XGBoost writes counts as strings ("24").
    private func numericString(_ value: Any?, at path: String) throws(ModelError) -> Int {
        guard let text = value as? String, let number = Int(text), number >= 0 else {
            throw malformed("\(path) is missing or not a count")
        }
        return number
    }

    private func malformed(_ message: String) -> ModelError {
        ModelError(.malformed, "not a usable XGBoost JSON model: \(message)")
    }
}
