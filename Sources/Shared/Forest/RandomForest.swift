import OmnisegCore

/// Options for a random forest.
public struct ForestOptions: Sendable, Equatable {
    public var trees = 100
    public var tree = TreeOptions()
    /// Weight of a positive row relative to a negative one (for imbalance); nil: balanced
    /// (negatives / positives). 1 keeps the forest's probabilities on the data's own scale.
    public var positiveWeight: Double? = 1
    /// Draw a bootstrap sample per tree (else every tree sees every row once).
    public var bootstrap = true
    public var seed: UInt64 = 42
    public init() {}

    /// The positive weight for `labels` (resolving "balanced").
    public func resolvedPositiveWeight(_ labels: [UInt8]) -> Double {
        if let positiveWeight { return positiveWeight }
        let positives = labels.reduce(0) { $0 + Int($1) }
        return positives > 0 ? Double(labels.count - positives) / Double(positives) : 1
    }

    /// The seed that picks tree `t`'s split features.
    public func treeSeed(_ t: Int) -> UInt64 { seed &+ UInt64(t) &* 0x9E37_79B9_7F4A_7C15 }
}

/// A forest of classification trees over binned features; its probability is the mean of its trees'.
public struct RandomForest: Sendable, Equatable {
    public var trees: [DecisionTree]

    public init(trees: [DecisionTree]) { self.trees = trees }

    /// The scalar reference: the mean of the trees' leaf values, summed in tree order in Float (the
    /// batch kernels sum in the same order, so they give the same bits).
    public func probability(_ bins: (Int) -> UInt8) -> Float {
        guard !trees.isEmpty else { return 0 }
        var total: Float = 0
        for t in trees { total += t.predict(bins) }
        return total / Float(trees.count)
    }

    /// How many times row `row` is drawn into tree `tree`'s bootstrap sample: Poisson(1) from a
    /// seeded hash of (tree, row), so each tree's sample is fixed by the seed whatever process grows
    /// it (close to drawing as many rows as there are, with replacement).
    @inline(__always)
    public static func bootstrapCount(seed: UInt64, tree: Int, row: Int) -> Int {
        var rng = SplitMix64(seed: seed, stream: 0x626F_6F74 &+ UInt64(tree), index: UInt64(row))
        // Poisson(1) by inversion against the cumulative distribution.
        let u = Double(rng.next() >> 11) * 0x1.0p-53
        if u < 0.367_879_441_171_442_3 { return 0 }
        if u < 0.735_758_882_342_884_6 { return 1 }
        var k = 1
        var p = 0.367_879_441_171_442_3, cumulative = 0.735_758_882_342_884_6
        while u > cumulative && k < 20 {
            k += 1
            p /= Double(k)
            cumulative += p
        }
        return k
    }

    /// Tree `t`'s row weights: bootstrap count × class weight.
    public static func weights(tree t: Int, labels: [UInt8], options: ForestOptions) -> [Double] {
        let positiveWeight = options.resolvedPositiveWeight(labels)
        return labels.indices.map { i in
            let count = options.bootstrap ? Double(bootstrapCount(seed: options.seed, tree: t, row: i)) : 1
            return count * (labels[i] == 1 ? positiveWeight : 1)
        }
    }

    /// Trees `range` of the forest `options` describes, grown on `rows`.
    public static func grow(trees range: Range<Int>, rows: BinnedRows, labels: [UInt8], options: ForestOptions) -> [GrownTree] {
        let grower = TreeGrower(rows: rows, labels: labels, options: options.tree)
        return range.map { t in grower.grow(weights: weights(tree: t, labels: labels, options: options), seed: options.treeSeed(t)) }
    }

    /// Out-of-bag sums: for each row, the sum of the leaf values of `trees` (`trees[i]` is tree number
    /// `numbered[i]` of the forest) whose bootstrap left the row out, in that order, and how many such trees there were.
    public static func outOfBag(_ trees: [DecisionTree], numbered: [Int], rows: BinnedRows, seed: UInt64) -> (sums: [Float], counts: [UInt16]) {
        precondition(trees.count <= numbered.count)
        var sums = [Float](repeating: 0, count: rows.rowCount)
        var counts = [UInt16](repeating: 0, count: rows.rowCount)
        let d = rows.columnCount
        rows.values.withUnsafeBufferPointer { binned in
            for (tree, t) in zip(trees, numbered) {
                for r in 0..<rows.rowCount where bootstrapCount(seed: seed, tree: t, row: r) == 0 {
                    sums[r] += tree.predict { binned[r * d + $0] }
                    counts[r] += 1
                }
            }
        }
        return (sums, counts)
    }
}
