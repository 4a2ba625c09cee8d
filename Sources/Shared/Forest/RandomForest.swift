/// Options for a random forest.
public struct ForestOptions: Sendable, Equatable {
    public var trees = 100
    public var tree = TreeOptions()
    /// Weight of a positive row relative to a negative one (imbalance); nil: balanced
    /// (negatives / positives).
    public var positiveWeight: Double?
    public var seed: UInt64 = 42
    public init() {}
}

/// A forest of classification trees over binned features; its probability is the mean of its trees'.
public struct RandomForest: Sendable, Equatable {
    public var trees: [DecisionTree]

    public init(trees: [DecisionTree]) { self.trees = trees }

    public func probability(_ bins: (Int) -> UInt8) -> Float {
        guard !trees.isEmpty else { return 0 }
        var total: Float = 0
        for t in trees { total += t.predict(bins) }
        return total / Float(trees.count)
    }

    /// How many times row `row` is drawn into tree `tree`'s bootstrap sample of `rows` draws: a
    /// Binomial(rows, 1/rows) count from a seeded hash of (tree, row), so each tree's sample is fixed
    /// by the seed whatever process grows it (close to drawing `rows` rows with replacement).
    public static func bootstrapCount(seed: UInt64, tree: Int, row: Int) -> Int {
        var rng = SplitMix64(seed: seed, stream: 0x626F_6F74 &+ UInt64(tree), index: UInt64(row))
        // Poisson(1) by inversion: P(0) = P(1) = e⁻¹, P(2) = e⁻¹/2, …
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        var k = 0
        var p = 0.367_879_441_171_442_3, cumulative = p
        while u > cumulative && k < 20 {
            k += 1
            p /= Double(k)
            cumulative += p
        }
        return k
    }

    /// Trees `range` of the forest `options` describes, grown on the binned `columns`.
    public static func grow(trees range: Range<Int>, columns: [[UInt8]], binCounts: [Int], labels: [UInt8],
                            options: ForestOptions) -> [DecisionTree] {
        let positives = labels.reduce(0) { $0 + Int($1) }
        let positiveWeight = options.positiveWeight ?? (positives > 0 ? Double(labels.count - positives) / Double(positives) : 1)
        return range.map { t in
            let weights = labels.indices.map { i in
                Double(bootstrapCount(seed: options.seed, tree: t, row: i)) * (labels[i] == 1 ? positiveWeight : 1)
            }
            return DecisionTree.grow(columns: columns, binCounts: binCounts, labels: labels, weights: weights,
                                     options: options.tree, seed: options.seed &+ UInt64(t) &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    /// Out-of-bag probabilities: each row scored only by the trees whose bootstrap left it out
    /// (NaN when every tree drew it).
    public func outOfBag(columns: [[UInt8]], seed: UInt64) -> [Float] {
        (0..<(columns.first?.count ?? 0)).map { i in
            var total: Float = 0
            var count = 0
            for (t, tree) in trees.enumerated() where Self.bootstrapCount(seed: seed, tree: t, row: i) == 0 {
                total += tree.predict { columns[$0][i] }
                count += 1
            }
            return count > 0 ? total / Float(count) : .nan
        }
    }
}
