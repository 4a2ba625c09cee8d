import OmnisegCore

/// Options for growing one tree of a random forest.
public struct TreeOptions: Sendable, Equatable {
    public var maximumDepth = 12
    /// A leaf holds at least this much (bootstrap- and class-) weight.
    public var minimumLeafWeight = 1.0
    /// Features tried at each split; nil: ⌈√d⌉.
    public var featuresPerSplit: Int?
    public init() {}

    /// Features tried at each split of `d` features.
    public func tried(of d: Int) -> Int { max(1, min(d, featuresPerSplit ?? Int(Double(d).squareRoot().rounded(.up)))) }
}

/// A classification tree over binned features, stored flat. Node `i` either splits on `feature[i]`
/// (bin ≤ `bin[i]` goes to `left[i]`, else to `left[i] + 1`: children are stored in pairs) or is a
/// leaf (`feature[i] < 0`). `value[i]` is the weighted positive share of the training rows that
/// reached node `i`: a leaf's prediction, and along a path the change a split made (for explaining).
public struct DecisionTree: Sendable, Equatable {
    public var feature: [Int32] = []
    public var bin: [UInt8] = []
    public var left: [Int32] = []
    public var value: [Float] = []

    public init() {}

    public var nodeCount: Int { feature.count }

    /// The deepest leaf's depth (the root alone: 0).
    public var depth: Int {
        var depths = [Int](repeating: 0, count: nodeCount)
        var deepest = 0
        for i in 0..<nodeCount where feature[i] >= 0 {
            let l = Int(left[i])
            depths[l] = depths[i] + 1
            depths[l + 1] = depths[i] + 1
            deepest = max(deepest, depths[i] + 1)
        }
        return deepest
    }

    /// The leaf that `bins(feature)` reaches.
    @inline(__always)
    public func leaf(_ bins: (Int) -> UInt8) -> Int {
        var node = 0
        while feature[node] >= 0 {
            node = Int(left[node]) + (bins(Int(feature[node])) <= bin[node] ? 0 : 1)
        }
        return node
    }

    /// The positive share of the leaf that `bins(feature)` reaches (the scalar reference the batch
    /// kernels are tested against).
    public func predict(_ bins: (Int) -> UInt8) -> Float { value[leaf(bins)] }

    mutating func appendLeaf(value v: Float) {
        feature.append(-1)
        bin.append(0)
        left.append(-1)
        value.append(v)
    }
}

/// A grown tree and the weighted impurity decrease of its splits per feature.
public struct GrownTree: Sendable, Equatable {
    public var tree: DecisionTree
    public var importance: [Double]
}

/// Grows classification trees on a binned matrix: depth-first, the node's rows as a range of one
/// index array partitioned in place, per-feature histograms of weight and positive weight, Gini.
public struct TreeGrower: Sendable {
    public let rows: BinnedRows
    public let labels: [UInt8]
    public let options: TreeOptions

    public init(rows: BinnedRows, labels: [UInt8], options: TreeOptions) {
        precondition(labels.count == rows.rowCount)
        self.rows = rows
        self.labels = labels
        self.options = options
    }

    /// A tree grown on the rows with `weights[r] > 0` (bootstrap count × class weight), deterministic
    /// by `seed` (which picks the features tried at each node).
    public func grow(weights: [Double], seed: UInt64) -> GrownTree {
        precondition(weights.count == rows.rowCount)
        let d = rows.columnCount
        let tried = options.tried(of: d)
        var rng = SplitMix64(seed: seed, stream: 0x7472_6565, index: 0)
        var tree = DecisionTree()
        var importance = [Double](repeating: 0, count: d)
        let positiveWeights = zip(weights, labels).map { $0 * Double($1) }
        var indices: [Int32] = []
        indices.reserveCapacity(rows.rowCount)
        var rootWeight = 0.0, rootPositive = 0.0
        for r in 0..<rows.rowCount where weights[r] > 0 {
            indices.append(Int32(r))
            rootWeight += weights[r]
            rootPositive += positiveWeights[r]
        }
        struct Pending { var node: Int; var start: Int; var end: Int; var depth: Int }
        var stack = [Pending(node: 0, start: 0, end: indices.count, depth: 0)]
        tree.appendLeaf(value: rootWeight > 0 ? Float(rootPositive / rootWeight) : 0)
        var order = Array(0..<d)
        var chosen = [Int](repeating: 0, count: tried)
        var histograms = [Double](repeating: 0, count: tried * 512)

        rows.values.withUnsafeBufferPointer { binned in
            weights.withUnsafeBufferPointer { w in
                positiveWeights.withUnsafeBufferPointer { pw in
                    indices.withUnsafeMutableBufferPointer { idx in
                        histograms.withUnsafeMutableBufferPointer { hist in
                            while let item = stack.popLast() {
                                let value = tree.value[item.node]
                                guard item.depth < options.maximumDepth, item.end - item.start > 1, value > 0, value < 1 else { continue }
                                // A partial Fisher-Yates shuffle picks the features tried here; histogram
                                // them in one pass over the node's rows.
                                for i in 0..<tried {
                                    order.swapAt(i, i + Int(rng.next() % UInt64(d - i)))
                                }
                                for i in 0..<tried { chosen[i] = order[i] }
                                chosen.sort()
                                for i in 0..<(tried * 512) { hist[i] = 0 }
                                for k in item.start..<item.end {
                                    let r = Int(idx[k])
                                    let rowBase = r * d
                                    let wr = w[r], pr = pw[r]
                                    for j in 0..<tried {
                                        let b = Int(binned[rowBase + chosen[j]])
                                        hist[j * 512 + b] += wr
                                        hist[j * 512 + 256 + b] += pr
                                    }
                                }
                                var best: Split?
                                for j in 0..<tried {
                                    let bins = rows.binCounts[chosen[j]]
                                    let split = SplitSearch.best(
                                        weight: UnsafeBufferPointer(rebasing: hist[(j * 512)..<(j * 512 + bins)]),
                                        positive: UnsafeBufferPointer(rebasing: hist[(j * 512 + 256)..<(j * 512 + 256 + bins)]),
                                        feature: chosen[j], minimumLeafWeight: options.minimumLeafWeight)
                                    if let split, split.gain > (best?.gain ?? 0) { best = split }
                                }
                                guard let best else { continue }
                                // Partition the node's rows: bin ≤ best.bin first.
                                var i = item.start, j = item.end - 1
                                let f = best.feature, threshold = UInt8(best.bin)
                                while i <= j {
                                    if binned[Int(idx[i]) * d + f] <= threshold {
                                        i += 1
                                    } else {
                                        idx.swapAt(i, j)
                                        j -= 1
                                    }
                                }
                                let leftChild = tree.nodeCount
                                tree.appendLeaf(value: Float(best.leftPositive / best.leftWeight))
                                tree.appendLeaf(value: Float(best.rightPositive / best.rightWeight))
                                tree.feature[item.node] = Int32(f)
                                tree.bin[item.node] = threshold
                                tree.left[item.node] = Int32(leftChild)
                                importance[f] += best.gain
                                stack.append(Pending(node: leftChild + 1, start: i, end: item.end, depth: item.depth + 1))
                                stack.append(Pending(node: leftChild, start: item.start, end: i, depth: item.depth + 1))
                            }
                        }
                    }
                }
            }
        }
        return GrownTree(tree: tree, importance: importance)
    }
}
