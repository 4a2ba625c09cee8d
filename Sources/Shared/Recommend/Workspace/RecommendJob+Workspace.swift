import Features
import JobRuntime
import OmnisegCore
import Recommend
import Workspace
import WorkspaceJobs

/// The recommend job where the workspace is: it reads each person's interactions (and, for an
/// evaluation, their later purchases) and stores the indicators and recommendations.
extension RecommendJob: WorkspaceJob {
    public func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        let builder = InteractionBuilder(level: level, withinDays: options.withinDays)
        let (catalog, shards) = try builder.build(workspace, matrix: matrix)
        guard catalog.count > 0 else {
            throw OmnisegError(.precondition, "no purchases, views or cart-adds up to the feature set's as-of time: nothing to recommend from",
                               context: [("workspace", workspace.path)])
        }
        var futures: [InteractionShard]?
        if let days = options.holdoutDays {
            let newest = try workspace.db.scalar("SELECT max(ts) FROM txn")?.integer ?? matrix.asOf
            guard matrix.asOf + Int64(days) * 86_400 <= newest + 86_400 else {
                throw OmnisegError(.precondition, "the \(days)-day evaluation window after feature set \(matrix.setID)'s as-of date "
                                   + "(\(CivilDate.isoDate(unixSeconds: matrix.asOf))) runs past the newest transaction "
                                   + "(\(CivilDate.isoDate(unixSeconds: newest))): evaluate on features built --as-of an earlier date")
            }
            futures = try builder.purchases(after: matrix, days: days, in: workspace, catalog: catalog)
        }
        return preparation(catalog: catalog, shards: shards, future: futures, featureSetID: matrix.setID, asOf: matrix.asOf)
    }

    public func store(result: [UInt8], jobID: String, people: PersonRows?, in workspace: Workspace) throws(OmnisegError) {
        let decoded = try RecommendResult(decoding: result)
        try RecommendStore(workspace: workspace).save(decoded, jobID: jobID, people: people ?? .dense(count: decoded.people))
    }
}
