/// Churn labels from a calibration/holdout split: people who bought before the cut-off (in the
/// channel asked for, or any) are eligible, and an eligible person churned (label 1) when they made
/// no purchase in that channel in the `horizonDays` after it. Indexed by feature row (person r + 1).
public struct ChurnLabels: Sendable, Equatable {
    public var labels: [UInt8]
    public var eligible: [Bool]

    public var eligibleCount: Int { eligible.reduce(0) { $0 + ($1 ? 1 : 0) } }
    public var churnRate: Double {
        let churned = zip(labels, eligible).reduce(0) { $0 + ($1.1 && $1.0 == 1 ? 1 : 0) }
        return eligibleCount > 0 ? Double(churned) / Double(eligibleCount) : 0
    }

    /// Labels for the workspace's people at `cutoff` (Unix seconds), from its transactions.
    /// `channels` nil counts every channel; otherwise only purchases in those channels.
    public static func compute(_ workspace: Workspace, cutoff: Int64, horizonDays: Int, channels: Set<Channel>? = nil) throws(OmnisegError) -> ChurnLabels {
        guard horizonDays > 0 else { throw OmnisegError(.badInput, "the churn horizon must be at least one day (got \(horizonDays))") }
        let lookup = try PersonLookup(workspace: workspace)
        let end = cutoff + Int64(horizonDays) * 86_400
        var before = [Bool](repeating: false, count: lookup.people)
        var after = [Bool](repeating: false, count: lookup.people)
        let txns = try workspace.db.prepare("SELECT source, customer_id, ts, channel FROM txn WHERE ts <= ?")
        try txns.bind([.integer(end)])
        while try txns.step() {
            guard let row = lookup.row(ofCurrentRowOf: txns) else { continue }
            if let channels, let channel = Channel(rawValue: Int(txns.int64(at: 3))), !channels.contains(channel) { continue }
            if txns.int64(at: 2) <= cutoff { before[row] = true } else { after[row] = true }
        }
        return ChurnLabels(labels: zip(before, after).map { $0.0 && !$0.1 ? 1 : 0 }, eligible: before)
    }
}
