import OmnisegCore
import Recommend
import Workspace
import WorkspaceJobs

/// Recommendations in the workspace: `rec_item`, `rec_indicator` and `recommendation` rows per job,
/// and the finished `recommend` jobs' results from the job ledger.
public struct RecommendStore {
    public let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    /// Writes a run's items, indicators and per-person suggestions (replacing any of the same job);
    /// row r of the result is person `people.id(ofRow: r)`.
    public func save(_ result: RecommendResult, jobID: String, people: PersonRows) throws(OmnisegError) {
        try people.check("recommend job \(jobID)", covers: result.people)
        let db = workspace.db
        try db.transaction { () throws(OmnisegError) in
            for table in ["rec_item", "rec_indicator", "recommendation"] { try db.run("DELETE FROM \(table) WHERE job_id = ?", [.text(jobID)]) }
            let item = try db.prepare("INSERT INTO rec_item (job_id, item, name, department, popularity) VALUES (?, ?, ?, ?, ?)")
            for i in 0..<result.catalog.count {
                try item.bind([.text(jobID), .integer(Int64(i)), .text(result.catalog.names[i]), .text(result.catalog.department(of: i)),
                               .integer(Int64(result.popularity[i]))])
                try item.runAndReset()
            }
            let indicator = try db.prepare("INSERT INTO rec_indicator (job_id, kind, item, rank, other, llr) VALUES (?, ?, ?, ?, ?, ?)")
            indicator.bind(jobID, at: 1)
            for (j, kind) in HistoryKind.indicators.enumerated() {
                indicator.bind(kind.description, at: 2)
                for a in 0..<result.table.itemCount {
                    for (rank, e) in (Int(result.table.starts[j][a])..<Int(result.table.starts[j][a + 1])).enumerated() {
                        indicator.bind(Int64(a), at: 3)
                        indicator.bind(Int64(rank + 1), at: 4)
                        indicator.bind(Int64(result.table.others[j][e]), at: 5)
                        indicator.bind(Double(result.table.ratios[j][e]), at: 6)
                        try indicator.runAndReset()
                    }
                }
            }
            let suggestion = try db.prepare("INSERT INTO recommendation (job_id, person_id, rank, item, score, backfill) VALUES (?, ?, ?, ?, ?, ?)")
            suggestion.bind(jobID, at: 1)
            let n = result.options.count
            for i in 0..<result.items.count where result.items[i] != UInt32.max {
                suggestion.bind(people.id(ofRow: i / n), at: 2)
                suggestion.bind(Int64(i % n + 1), at: 3)
                suggestion.bind(Int64(result.items[i]), at: 4)
                suggestion.bind(Double(result.scores[i]), at: 5)
                suggestion.bind(Int64(result.backfilled[i]), at: 6)
                try suggestion.runAndReset()
            }
        }
    }

    /// The result of finished `recommend` job `id`, or of the newest one, with the people of its rows.
    public func result(jobID id: String? = nil) throws(OmnisegError) -> (jobID: String, result: RecommendResult, people: PersonRows) {
        let jobID: String
        if let id {
            jobID = id
        } else {
            guard let newest = try JobLedger(workspace: workspace).newestSucceeded(RecommendJob.name) else {
                throw OmnisegError(.notFound, "no recommendations in the workspace: run `omniseg recommend` first", context: [("workspace", workspace.path)])
            }
            jobID = newest
        }
        let entry = try JobLedger(workspace: workspace).existing(jobID)
        guard entry.kind == RecommendJob.name, let bytes = entry.result else {
            throw OmnisegError(.badInput, "job \(jobID) is a \(entry.kind) job (\(entry.state)), not a finished recommend job")
        }
        let result = try RecommendResult(decoding: RecommendJob.resultBody(bytes))
        let people = try entry.featureSet.map { id throws(OmnisegError) in try workspace.people(ofFeatureSet: id) } ?? .dense(count: result.people)
        try people.check("recommend job \(jobID)", covers: result.people)
        return (jobID, result, people)
    }
}
