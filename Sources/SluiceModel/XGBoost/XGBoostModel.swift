import Foundation
import SluiceCore

/// A gradient-boosted tree model in XGBoost's JSON format (`Booster.save_model("m.json")`), parsed
/// and checked: every tree's arrays agree in length, every child and feature index is in range,
/// and the booster, objective and splits are ones Sluice evaluates. Anything else is refused at
/// parse time with a `ModelError` that says what, so a model that parses can be scored.
public struct XGBoostModel: Sendable, Equatable {
    /// The feature names saved with the model (empty when it was trained without names).
    public var featureNames: [String]
    public var featureCount: Int
    /// `binary:logistic`, `binary:logitraw`, `reg:squarederror` or `reg:logistic`.
    public var objective: String
    /// `base_score` as saved, in probability space for the logistic objectives.
    public var baseScore: Float
    public var trees: [XGBoostTree]
    /// A dart booster's weight per tree (its `weight_drop`); nil for gbtree, whose trees all
    /// weigh 1.
    public var treeWeights: [Float]?
    /// The XGBoost version that saved it, e.g. `[2, 1, 4]`.
    public var xgboostVersion: [Int]

    public static let supportedObjectives: Set<String> = [
        "binary:logistic", "binary:logitraw", "reg:squarederror", "reg:logistic",
    ]

    public init(
        featureNames: [String], featureCount: Int, objective: String, baseScore: Float, trees: [XGBoostTree],
        treeWeights: [Float]? = nil, xgboostVersion: [Int]
    ) {
        self.treeWeights = treeWeights
        self.featureNames = featureNames
        self.featureCount = featureCount
        self.objective = objective
        self.baseScore = baseScore
        self.trees = trees
        self.xgboostVersion = xgboostVersion
    }

    public static func parse(_ data: Data) throws(ModelError) -> XGBoostModel {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelError(
                .malformed,
                "not JSON (\(data.count) bytes; truncated, or another format such as UBJSON or a pickle?): "
                    + "\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)")
        }
        var reader = XGBoostJSONReader(root: root)
        return try reader.model()
    }
}
