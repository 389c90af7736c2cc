import Foundation

/// An XGBoost model compiled for scoring: every tree's nodes in one flat array, walked as
/// xgboost walks them, so that scores equal xgboost's `predict`.
///
/// Semantics, as xgboost's CPU predictor: inputs are float32 (a Double feature is rounded to
/// Float first); at an inner node a value below the split condition goes left, a missing value
/// (NaN) goes where `default_left` says; a leaf's value is its split condition; the margin starts
/// at the base score (for `binary:logistic` and `reg:logistic` its logit, `-log(1/base - 1)` in
/// float32; `binary:logitraw` keeps its base score in margin space, as xgboost does) and
/// adds each tree's leaf in tree order in float32 (dart: the leaf times the tree's weight);
/// `binary:logistic` and `reg:logistic` answer `1 / (1 + exp(-margin))`, the others the margin.
///
/// Scoring allocates nothing: callers pass rows as buffers of Float in signature order.
public struct XGBoostScorer: Sendable {
    /// One node. An inner node splits on feature `split & 0x7FFF_FFFF` at `value`, and sends
    /// missing values left when the high bit of `split` is set; children are indexes into the flat
    /// node array. A leaf's output is `value`, and both its children are itself: a walk of exactly
    /// the tree's depth ends on the row's leaf whatever the path's length, with no test for
    /// leaves in the loop (so many rows can walk a tree side by side without branches).
    @usableFromInline
    struct Node: Sendable {
        @usableFromInline var left: Int32
        @usableFromInline var right: Int32
        @usableFromInline var split: UInt32
        @usableFromInline var value: Float
    }

    @usableFromInline
    enum Output: Sendable {
        case margin
        case sigmoid
    }

    @usableFromInline let nodes: [Node]
    @usableFromInline let roots: [Int32]
    /// Each tree's depth: the steps from its root to its deepest leaf.
    @usableFromInline let depths: [Int32]
    @usableFromInline let weights: [Float]?
    @usableFromInline let baseMargin: Float
    @usableFromInline let output: Output
    public let featureCount: Int
    public let treeCount: Int

    public init(_ model: XGBoostModel) {
        var nodes: [Node] = []
        nodes.reserveCapacity(model.trees.reduce(0) { $0 + $1.nodeCount })
        var roots: [Int32] = []
        var depths: [Int32] = []
        for tree in model.trees {
            let offset = Int32(nodes.count)
            roots.append(offset)
            // Children have larger ids than their parent (the parser checks it), so one pass in
            // id order knows every node's depth before its children's.
            var nodeDepths = [Int32](repeating: 0, count: tree.nodeCount)
            for index in 0..<tree.nodeCount {
                let isLeaf = tree.leftChildren[index] < 0
                let me = offset + Int32(index)
                if !isLeaf {
                    nodeDepths[Int(tree.leftChildren[index])] = nodeDepths[index] + 1
                    nodeDepths[Int(tree.rightChildren[index])] = nodeDepths[index] + 1
                }
                nodes.append(
                    Node(
                        left: isLeaf ? me : offset + tree.leftChildren[index],
                        right: isLeaf ? me : offset + tree.rightChildren[index],
                        split: isLeaf
                            ? 0 : UInt32(tree.splitIndices[index]) | (tree.defaultLeft[index] ? 0x8000_0000 : 0),
                        value: tree.splitConditions[index]))
            }
            depths.append(nodeDepths.max() ?? 0)
        }
        self.nodes = nodes
        self.roots = roots
        self.depths = depths
        self.weights = model.treeWeights
        self.featureCount = model.featureCount
        self.treeCount = model.trees.count
        switch model.objective {
        case "binary:logistic", "reg:logistic":
            output = .sigmoid
            baseMargin = Self.logit(model.baseScore)
        default:
            output = .margin
            baseMargin = model.baseScore
        }
    }

    /// The score of one row: `row[i]` is input column `i` of the signature, NaN when missing.
    /// - Precondition: `row.count >= featureCount`.
    @inlinable
    public func score(_ row: UnsafeBufferPointer<Float>) -> Float {
        finish(margin(row))
    }

    /// The raw margin (sum of the base and the trees' leaves) of one row.
    @inlinable
    public func margin(_ row: UnsafeBufferPointer<Float>) -> Float {
        precondition(row.count >= featureCount, "a row needs \(featureCount) features, got \(row.count)")
        return nodes.withUnsafeBufferPointer { nodes in
            roots.withUnsafeBufferPointer { roots in
                depths.withUnsafeBufferPointer { depths in
                    var margin = baseMargin
                    if let weights {
                        for tree in 0..<roots.count {
                            margin += weights[tree] * Self.leaf(nodes, from: roots[tree], depth: depths[tree], row)
                        }
                    } else {
                        for tree in 0..<roots.count {
                            margin += Self.leaf(nodes, from: roots[tree], depth: depths[tree], row)
                        }
                    }
                    return margin
                }
            }
        }
    }

    /// Scores `rowCount` rows stored one after another in `matrix` (`featureCount` Floats each)
    /// into `scores`. Rows go through the trees in blocks, so a tree's nodes stay in the cache
    /// while a block passes; each row still adds its trees in order, so every score equals
    /// `score(_:)`'s bit for bit.
    public func score(
        matrix: UnsafeBufferPointer<Float>, rowCount: Int, into scores: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(matrix.count >= rowCount * featureCount && scores.count >= rowCount)
        let block = Self.block
        let features = featureCount
        nodes.withUnsafeBufferPointer { nodes in
            roots.withUnsafeBufferPointer { roots in
                depths.withUnsafeBufferPointer { depths in
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: block) { positions in
                        var start = 0
                        while start < rowCount {
                            let count = min(block, rowCount - start)
                            for row in 0..<count { scores[start + row] = baseMargin }
                            for tree in 0..<roots.count {
                                for row in 0..<count { positions[row] = roots[tree] }
                                // The block's rows walk the tree side by side, one level at a time.
                                for _ in 0..<depths[tree] {
                                    for row in 0..<count {
                                        let node = nodes[Int(positions[row])]
                                        let value = matrix[(start + row) * features + Int(node.split & 0x7FFF_FFFF)]
                                        positions[row] = Int32(
                                            truncatingIfNeeded: Self.child(node, goingLeft: Self.goesLeft(value, node)))
                                    }
                                }
                                if let weights {
                                    let weight = weights[tree]
                                    for row in 0..<count {
                                        scores[start + row] += weight * nodes[Int(positions[row])].value
                                    }
                                } else {
                                    for row in 0..<count { scores[start + row] += nodes[Int(positions[row])].value }
                                }
                            }
                            for row in 0..<count { scores[start + row] = finish(scores[start + row]) }
                            start += count
                        }
                    }
                }
            }
        }
    }

    /// Rows per block of `score(matrix:rowCount:into:)`.
    static let block = 256

    /// Convenience for one row of Doubles, nil or NaN for missing (allocates; not for hot paths).
    public func score(_ row: [Double?]) -> Double {
        let values = row.map { $0.map(Float.init) ?? .nan }
        return Double(values.withUnsafeBufferPointer { score($0) })
    }

    // MARK: - Walking a tree

    @inlinable @inline(__always)
    static func leaf(
        _ nodes: UnsafeBufferPointer<Node>, from root: Int32, depth: Int32, _ row: UnsafeBufferPointer<Float>
    ) -> Float {
        var index = Int(root)
        for _ in 0..<depth { index = child(nodes[index], row) }
        return nodes[index].value
    }

    /// The child a row goes to, chosen without a branch: which way a row goes is as good as a
    /// coin toss, and a mispredicted branch per level cost more than the walk's loads.
    @inlinable @inline(__always)
    static func child(_ node: Node, _ row: UnsafeBufferPointer<Float>) -> Int {
        child(node, goingLeft: goesLeft(row[Int(node.split & 0x7FFF_FFFF)], node))
    }

    @inlinable @inline(__always)
    static func child(_ node: Node, goingLeft: Bool) -> Int {
        let left = Int(node.left)
        let right = Int(node.right)
        return right &+ (left &- right) &* Int(unsafeBitCast(goingLeft, to: UInt8.self))
    }

    /// xgboost's rule: below the condition goes left; a missing value goes where the node says.
    @inlinable @inline(__always)
    static func goesLeft(_ value: Float, _ node: Node) -> Bool {
        let below = value < node.value
        let missingLeft = value.isNaN && node.split & 0x8000_0000 != 0
        return below || missingLeft
    }

    @inlinable @inline(__always)
    func finish(_ margin: Float) -> Float {
        switch output {
        case .margin: margin
        case .sigmoid: 1 / (1 + Foundation.exp(-margin))
        }
    }

    /// xgboost's `ProbToMargin` for the logistic objectives, in float32.
    static func logit(_ probability: Float) -> Float {
        -Foundation.log(1 / probability - 1)
    }
}
