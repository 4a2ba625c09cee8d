/// Churn labels from a calibration/holdout split: people who bought before the cut-off (in the
/// channel asked for, or any) are eligible, and an eligible person churned (label 1) when they made
/// no purchase in that channel in the `horizonDays` after it. Indexed by feature row (person r + 1).
public struct ChurnLabels: Sendable, Equatable {
    public var labels: [UInt8]
    public var eligible: [Bool]

    package init(labels: [UInt8], eligible: [Bool]) {
        self.labels = labels
        self.eligible = eligible
    }

    public var eligibleCount: Int { eligible.reduce(0) { $0 + ($1 ? 1 : 0) } }
    public var churnRate: Double {
        let churned = zip(labels, eligible).reduce(0) { $0 + ($1.1 && $1.0 == 1 ? 1 : 0) }
        return eligibleCount > 0 ? Double(churned) / Double(eligibleCount) : 0
    }
}
