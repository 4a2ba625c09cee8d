/// Ranking quality of scores against binary labels: ROC AUC, PR AUC (average precision), and lift
/// and capture rate in the top decile.
public struct ClassifierMetrics: Sendable, Equatable {
    public var rocAUC: Double
    public var prAUC: Double
    /// Positive rate in the top 10% by score over the overall positive rate.
    public var topDecileLift: Double
    /// Share of all positives that fall in the top 10% by score.
    public var topDecileCapture: Double

    public init(rocAUC: Double, prAUC: Double, topDecileLift: Double, topDecileCapture: Double) {
        self.rocAUC = rocAUC
        self.prAUC = prAUC
        self.topDecileLift = topDecileLift
        self.topDecileCapture = topDecileCapture
    }

    /// Metrics of `scores` (higher = more likely positive) against `labels` (0/1). Tied scores count
    /// half (ROC) and as one group (precision-recall), so the order of equal scores does not matter.
    public init(scores: [Float], labels: [UInt8]) {
        precondition(scores.count == labels.count)
        let n = scores.count
        let positives = labels.reduce(0) { $0 + Int($1) }
        let negatives = n - positives
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        // ROC AUC by the rank-sum (Mann-Whitney) with average ranks for ties; PR AUC as average
        // precision over groups of tied scores.
        var rankSum = 0.0
        var averagePrecision = 0.0
        var truePositives = 0, seen = 0
        var i = 0
        while i < n {
            // A group of tied scores; it holds at least row i, so the loop always advances (a NaN equals nothing).
            var j = i + 1
            var groupPositives = Int(labels[order[i]])
            while j < n && scores[order[j]] == scores[order[i]] { groupPositives += Int(labels[order[j]]); j += 1 }
            // Ranks counted from the bottom: this group holds ranks n − j + 1 … n − i.
            let averageRank = Double((n - j + 1) + (n - i)) / 2
            rankSum += averageRank * Double(groupPositives)
            truePositives += groupPositives
            seen = j
            if groupPositives > 0 { averagePrecision += Double(groupPositives) * Double(truePositives) / Double(seen) }
            i = j
        }
        if positives > 0 && negatives > 0 {
            rocAUC = (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
        } else {
            rocAUC = .nan
        }
        prAUC = positives > 0 ? averagePrecision / Double(positives) : .nan
        let top = max(1, n / 10)
        let topPositives = order.prefix(top).reduce(0) { $0 + Int(labels[$1]) }
        let baseRate = n > 0 ? Double(positives) / Double(n) : 0
        topDecileLift = baseRate > 0 ? (Double(topPositives) / Double(top)) / baseRate : .nan
        topDecileCapture = positives > 0 ? Double(topPositives) / Double(positives) : .nan
    }
}
