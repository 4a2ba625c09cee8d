/// Options for growing one tree of a random forest.
public struct TreeOptions: Sendable, Equatable {
    public var maximumDepth = 12
    /// A leaf holds at least this much (bootstrap- and class-) weight.
    public var minimumLeafWeight = 1.0
    /// Features tried at each split; nil: ⌈√d⌉.
    public var featuresPerSplit: Int?
    public init() {}
}

/// A classification tree over binned features, stored flat: node `i` either splits on
/// `feature[i]` (bin ≤ `bin[i]` goes to `left[i]`, else `right[i]`) or is a leaf (`feature[i] < 0`)
/// with the positive share `value[i]`.
public struct DecisionTree: Sendable, Equatable {
    public var feature: [Int32] = []
    public var bin: [UInt8] = []
    public var left: [Int32] = []
    public var right: [Int32] = []
    public var value: [Float] = []

    public var nodeCount: Int { feature.count }

    /// The positive share of the leaf that `bins(feature)` reaches.
    public func predict(_ bins: (Int) -> UInt8) -> Float {
        var node = 0
        while feature[node] >= 0 {
            node = Int(bins(Int(feature[node])) <= bin[node] ? left[node] : right[node])
        }
        return value[node]
    }

    /// Grows a tree on `columns` (binned, one uint8 column per feature, `rowCount` rows) with
    /// binary `labels` and per-row `weights` (0 leaves a row out: bootstrap), deterministic by `seed`.
    public static func grow(columns: [[UInt8]], binCounts: [Int], labels: [UInt8], weights: [Double],
                            options: TreeOptions, seed: UInt64) -> DecisionTree {
        var tree = DecisionTree()
        var rng = SplitMix64(seed: seed, stream: 0x7472_6565, index: 0)
        let d = columns.count
        let tried = min(d, options.featuresPerSplit ?? Int(Double(d).squareRoot().rounded(.up)))
        let rows = (0..<Int32(labels.count)).filter { weights[Int($0)] > 0 }

        func leaf(_ rows: [Int32]) -> Int32 {
            var w = 0.0, p = 0.0
            for r in rows { w += weights[Int(r)]; p += weights[Int(r)] * Double(labels[Int(r)]) }
            tree.feature.append(-1); tree.bin.append(0); tree.left.append(-1); tree.right.append(-1)
            tree.value.append(w > 0 ? Float(p / w) : 0)
            return Int32(tree.nodeCount - 1)
        }

        func node(_ rows: [Int32], depth: Int) -> Int32 {
            guard depth < options.maximumDepth, rows.count > 1 else { return leaf(rows) }
            // A partial Fisher-Yates shuffle picks the features tried at this node.
            var order = Array(0..<d)
            for i in 0..<tried {
                let j = i + Int(rng.next() % UInt64(d - i))
                order.swapAt(i, j)
            }
            var best: Split?
            for f in order.prefix(tried).sorted() {
                var histogram = BinHistogram(bins: binCounts[f])
                columns[f].withUnsafeBufferPointer { histogram.add(bins: $0, rows: rows, weights: weights, labels: labels) }
                if let split = SplitSearch.best(histogram, feature: f, minimumLeafWeight: options.minimumLeafWeight),
                   split.gain > (best?.gain ?? 0) {
                    best = split
                }
            }
            guard let best else { return leaf(rows) }
            let column = columns[best.feature]
            let goesLeft = rows.filter { column[Int($0)] <= UInt8(best.bin) }
            let goesRight = rows.filter { column[Int($0)] > UInt8(best.bin) }
            tree.feature.append(Int32(best.feature)); tree.bin.append(UInt8(best.bin))
            tree.left.append(-1); tree.right.append(-1); tree.value.append(0)
            let index = tree.nodeCount - 1
            let l = node(goesLeft, depth: depth + 1)
            let r = node(goesRight, depth: depth + 1)
            tree.left[index] = l
            tree.right[index] = r
            return Int32(index)
        }

        _ = node(rows, depth: 0)
        return tree
    }
}
