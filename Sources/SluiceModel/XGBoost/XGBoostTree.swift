/// One regression tree of an XGBoost model, as parallel arrays indexed by node id (node 0 is the
/// root). A node is a leaf when its left child is -1; a leaf's value is its split condition.
/// Children always have larger ids than their parent, so walking from the root ends.
public struct XGBoostTree: Sendable, Equatable {
    public var leftChildren: [Int32]
    public var rightChildren: [Int32]
    public var splitIndices: [Int32]
    /// Split thresholds of inner nodes (go left when the feature is below), leaf values of leaves.
    public var splitConditions: [Float]
    /// Where a missing value goes at each inner node.
    public var defaultLeft: [Bool]

    public var nodeCount: Int { leftChildren.count }
    public var leafCount: Int { leftChildren.reduce(0) { $0 + ($1 == -1 ? 1 : 0) } }

    public init(
        leftChildren: [Int32], rightChildren: [Int32], splitIndices: [Int32], splitConditions: [Float],
        defaultLeft: [Bool]
    ) {
        self.leftChildren = leftChildren
        self.rightChildren = rightChildren
        self.splitIndices = splitIndices
        self.splitConditions = splitConditions
        self.defaultLeft = defaultLeft
    }
}
