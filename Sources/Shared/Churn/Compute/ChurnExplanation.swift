import OmnisegCore

/// Why a model gave one person their score: per feature, how much the splits on it moved the
/// prediction along the person's path through each tree (the change in the node's churn share from
/// parent to child), averaged over the forest. The contributions and the forest's mean root value
/// add up to the probability.
public struct ChurnExplanation: Sendable, Equatable {
    public struct Contribution: Sendable, Equatable {
        public var feature: String
        /// The person's raw value of the feature.
        public var value: Float
        public var contribution: Double
    }

    public var probability: Double
    /// The mean root value: the training churn share (weighted), before any split.
    public var baseline: Double
    /// Every feature, largest absolute contribution first.
    public var contributions: [Contribution]

    /// The explanation of the person whose raw feature values (in the model's feature order) are `values`.
    public init(model: ChurnModel, values: [Float]) {
        precondition(values.count == model.featureNames.count)
        let bins = zip(model.bins, values).map { $0.bin($1) }
        var contribution = [Double](repeating: 0, count: values.count)
        var baseline = 0.0, probability = 0.0
        for tree in model.forest.trees {
            var node = 0
            baseline += Double(tree.value[0])
            while tree.feature[node] >= 0 {
                let f = Int(tree.feature[node])
                let next = Int(tree.left[node]) + (bins[f] <= tree.bin[node] ? 0 : 1)
                contribution[f] += Double(tree.value[next]) - Double(tree.value[node])
                node = next
            }
            probability += Double(tree.value[node])
        }
        let trees = Double(max(1, model.forest.trees.count))
        self.probability = probability / trees
        self.baseline = baseline / trees
        contributions = values.indices.map { Contribution(feature: model.featureNames[$0], value: values[$0], contribution: contribution[$0] / trees) }
            .sorted { abs($0.contribution) > abs($1.contribution) || (abs($0.contribution) == abs($1.contribution) && $0.feature < $1.feature) }
    }

    /// The text `omniseg churn explain` prints: the top `limit` features.
    public func text(person: Int64, tier: String, limit: Int) -> String {
        var lines = ["person \(person): churn probability \(Format.fixed(probability, 3)) (\(tier)); baseline \(Format.fixed(baseline, 3))",
                     "  feature                      value    contribution"]
        for c in contributions.prefix(limit) {
            let sign = c.contribution >= 0 ? "+" : "−"
            lines.append("  " + c.feature.rightPadded(24) + Format.fixed(Double(c.value), 2).leftPadded(12)
                         + (sign + Format.fixed(abs(c.contribution), 4)).leftPadded(16))
        }
        let rest = contributions.dropFirst(limit).reduce(0.0) { $0 + $1.contribution }
        if contributions.count > limit {
            lines.append("  " + "(\(contributions.count - limit) more features)".rightPadded(36) + ((rest >= 0 ? "+" : "−") + Format.fixed(abs(rest), 4)).leftPadded(16))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
