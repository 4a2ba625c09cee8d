/// Per-bin sums of a node's rows for one feature: weighted count and weighted positives.
public struct BinHistogram: Sendable {
    public var weight: [Double]
    public var positive: [Double]

    public init(bins: Int) {
        weight = [Double](repeating: 0, count: bins)
        positive = [Double](repeating: 0, count: bins)
    }

    /// Adds rows (`bins[i]` for `rows[i]`, with weights and binary labels) to the histogram.
    public mutating func add(bins: UnsafeBufferPointer<UInt8>, rows: [Int32], weights: [Double], labels: [UInt8]) {
        weight.withUnsafeMutableBufferPointer { w in
            positive.withUnsafeMutableBufferPointer { p in
                for r in rows {
                    let row = Int(r)
                    let b = Int(bins[row])
                    w[b] += weights[row]
                    p[b] += weights[row] * Double(labels[row])
                }
            }
        }
    }
}

/// The best binary split of a node on one feature by Gini impurity, from its bin histogram.
public struct Split: Sendable, Equatable {
    public var feature: Int
    /// Rows with bin ≤ `bin` go left.
    public var bin: Int
    /// Weighted impurity decrease: parent Gini × weight − Σ children Gini × weight.
    public var gain: Double
    public var leftWeight: Double
    public var rightWeight: Double
    public var leftPositive: Double
    public var rightPositive: Double
}

public enum SplitSearch {
    /// Gini impurity × weight of a node with `weight` total and `positive` positive weight.
    @inline(__always)
    static func weightedGini(_ weight: Double, _ positive: Double) -> Double {
        guard weight > 0 else { return 0 }
        let p = positive / weight
        return weight * 2 * p * (1 - p)
    }

    /// The split of `feature` with the largest gain whose children both weigh at least
    /// `minimumLeafWeight`; nil when none has a positive gain. Ties keep the lowest bin.
    public static func best(_ histogram: BinHistogram, feature: Int, minimumLeafWeight: Double) -> Split? {
        histogram.weight.withUnsafeBufferPointer { w in
            histogram.positive.withUnsafeBufferPointer { p in
                best(weight: w, positive: p, feature: feature, minimumLeafWeight: minimumLeafWeight)
            }
        }
    }

    /// ``best(_:feature:minimumLeafWeight:)`` over raw per-bin sums (the tree grower's scratch).
    @inline(__always)
    static func best(weight: UnsafeBufferPointer<Double>, positive: UnsafeBufferPointer<Double>, feature: Int,
                     minimumLeafWeight: Double) -> Split? {
        var totalWeight = 0.0, totalPositive = 0.0
        for b in weight.indices {
            totalWeight += weight[b]
            totalPositive += positive[b]
        }
        let parent = weightedGini(totalWeight, totalPositive)
        var best: Split?
        var leftWeight = 0.0, leftPositive = 0.0
        for b in 0..<(weight.count - 1) {
            leftWeight += weight[b]
            leftPositive += positive[b]
            let rightWeight = totalWeight - leftWeight
            guard leftWeight >= minimumLeafWeight else { continue }
            guard rightWeight >= minimumLeafWeight else { break }
            let rightPositive = totalPositive - leftPositive
            let gain = parent - weightedGini(leftWeight, leftPositive) - weightedGini(rightWeight, rightPositive)
            if gain > 1e-12 * max(1, parent), gain > (best?.gain ?? 0) {
                best = Split(feature: feature, bin: b, gain: gain, leftWeight: leftWeight, rightWeight: rightWeight,
                             leftPositive: leftPositive, rightPositive: rightPositive)
            }
        }
        return best
    }
}
