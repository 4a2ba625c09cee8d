import Churn
import Identity
import OmnisegCore
import Workspace
import Features

extension ChurnLabels {
    /// Labels for the workspace's people at `cutoff` (Unix seconds), from its transactions.
    /// `channels` nil counts every channel; otherwise only purchases in those channels. Rows are those
    /// of `lookup` (default: the workspace's people now).
    public static func compute(_ workspace: Workspace, cutoff: Int64, horizonDays: Int, channels: Set<Channel>? = nil,
                               lookup given: PersonLookup? = nil) throws(OmnisegError) -> ChurnLabels {
        guard horizonDays > 0 else { throw OmnisegError(.badInput, "the churn horizon must be at least one day (got \(horizonDays))") }
        let lookup: PersonLookup
        if let given { lookup = given } else { lookup = try PersonLookup(workspace: workspace) }
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

    /// Labels for `matrix`'s people: from label set `labelSetID`, or no purchase in the holdout window
    /// after the matrix's as-of time. The window must lie inside the data, or every label would be "churned".
    public static func load(in workspace: Workspace, matrix: FeatureMatrix, labelling: ChurnLabelling) throws(OmnisegError) -> ChurnLabels {
        if labelling.labelSetID > 0 {
            return try ChurnStore(workspace: workspace).labels(set: labelling.labelSetID, people: matrix.people)
        }
        let end = labelling.cutoff + Int64(labelling.horizonDays) * 86_400
        let newest = try workspace.db.scalar("SELECT max(ts) FROM txn")?.integer ?? 0
        // Day granularity: data that reaches the window's last day covers it.
        guard newest / 86_400 >= end / 86_400 else {
            throw OmnisegError(.precondition, "feature set \(matrix.setID) is as of \(CivilDate.isoDate(unixSeconds: labelling.cutoff)); "
                               + "a \(labelling.horizonDays)-day holdout needs transactions up to \(CivilDate.isoDate(unixSeconds: end)), "
                               + "but the newest is from \(CivilDate.isoDate(unixSeconds: newest)). Build the training features with "
                               + "`omniseg features --as-of` at least \(labelling.horizonDays) days before the end of the data, or shorten horizon_days",
                               context: [("workspace", workspace.path)])
        }
        let lookup = try PersonLookup(workspace: workspace, rowsOf: matrix.people, setID: matrix.setID)
        let labels = try compute(workspace, cutoff: labelling.cutoff, horizonDays: labelling.horizonDays,
                                 channels: labelling.channels.isEmpty ? nil : Set(labelling.channels), lookup: lookup)
        guard labels.labels.count == matrix.rowCount else {
            throw OmnisegError(.precondition, "the workspace has \(labels.labels.count) people but feature set \(matrix.setID) has \(matrix.rowCount) rows; "
                               + "rebuild the features after `omniseg resolve`")
        }
        return labels
    }
}
