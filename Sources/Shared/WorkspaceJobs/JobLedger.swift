import JobRuntime
import OmnisegCore
import Workspace

/// The workspace's record of jobs: what ran, how it ended, and the result.
public struct JobLedger {
    /// One job as recorded in the workspace.
    public struct Entry: Sendable {
        public var id: String
        public var kind: String
        public var parameters: String
        public var state: String
        public var mode: String
        public var submittedAt: Int64
        public var finishedAt: Int64?
        public var featureSet: Int64?
        public var result: [UInt8]?
        public var error: String?
    }

    private let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    /// Records a new embedded job and returns its id, `local-N` with N one more than the largest so
    /// far. One statement, so two runs started at once get different ids.
    public func startLocal(kind: String, parameters: JobParameters, submittedAt: Int64, featureSet: Int64?) throws(OmnisegError) -> String {
        let text = Self.text(parameters)
        let id = try workspace.db.scalar("""
            INSERT INTO job (id, kind, parameters, state, mode, submitted_at, feature_set)
            SELECT 'local-' || (coalesce(max(CAST(substr(id, 7) AS INTEGER)), 0) + 1), ?, ?, 'running', 'embedded', ?, ?
            FROM job WHERE id LIKE 'local-%'
            RETURNING id
            """, [.text(kind), .text(text), .integer(submittedAt), featureSet.map(SQLiteValue.integer) ?? .null])?.text
        guard let id else { throw OmnisegError(.corrupt, "the workspace did not return the new job's id", context: [("workspace", workspace.path)]) }
        return id
    }

    /// The highest number of a cluster job id (`J12` → 12) the workspace has seen, 0 when none: a Redis
    /// that lost its data must not hand out those ids again.
    public func highestClusterJobNumber() throws(OmnisegError) -> Int {
        Int(try workspace.db.scalar("SELECT coalesce(max(CAST(substr(id, 2) AS INTEGER)), 0) FROM job WHERE id GLOB 'J[0-9]*'")?.integer ?? 0)
    }

    /// Tables whose rows belong to a job (by `job_id`).
    static let jobTables = ["cluster_assignment", "churn_model", "churn_score", "rec_item", "rec_indicator", "recommendation"]

    /// Records a job that started (or restarts it when it is already there).
    ///
    /// Cluster job ids come from a counter in Redis, which starts again at J1 on a new Redis: when the
    /// id is already taken by a different job (another kind, parameters or submission time), that
    /// job's record and results are kept under `ID@submitted_at` before the new one is recorded.
    /// A cluster job passes its encoded `spec`, kept so that a job Redis loses from then on is queued
    /// again (``unfinishedClusterJobs()``).
    public func start(id: String, kind: String, parameters: JobParameters, mode: String, submittedAt: Int64, featureSet: Int64?,
                      spec: [UInt8]? = nil) throws(OmnisegError) {
        let text = Self.text(parameters)
        let db = workspace.db
        try db.transaction { () throws(OmnisegError) in
            try keepOtherJob(under: id, kind: kind, parameters: text, submittedAt: submittedAt)
            try db.run("""
                INSERT INTO job (id, kind, parameters, state, mode, submitted_at, feature_set, spec) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET state = 'running', feature_set = excluded.feature_set, spec = coalesce(spec, excluded.spec)
                """, [.text(id), .text(kind), .text(text), .text(mode), .integer(submittedAt), featureSet.map(SQLiteValue.integer) ?? .null,
                      spec.map(SQLiteValue.blob) ?? .null])
        }
    }

    /// Records a cluster job the coordinator found queued, with `spec` (its encoded job spec), unless
    /// it is recorded already: a job Redis loses from then on is queued again from here
    /// (``unfinishedClusterJobs()``).
    public func queued(id: String, kind: String, parameters: JobParameters, submittedAt: Int64, spec: [UInt8]) throws(OmnisegError) {
        let text = Self.text(parameters)
        let db = workspace.db
        try db.transaction { () throws(OmnisegError) in
            try keepOtherJob(under: id, kind: kind, parameters: text, submittedAt: submittedAt)
            try db.run("""
                INSERT INTO job (id, kind, parameters, state, mode, submitted_at, spec) VALUES (?, ?, ?, 'queued', 'cluster', ?, ?)
                ON CONFLICT(id) DO UPDATE SET spec = coalesce(spec, excluded.spec)
                """, [.text(id), .text(kind), .text(text), .integer(submittedAt), .blob(spec)])
        }
    }

    /// Cluster jobs the workspace has as queued or running, with their encoded specs, oldest first.
    public func unfinishedClusterJobs() throws(OmnisegError) -> [(id: String, state: String, spec: [UInt8])] {
        try workspace.db.rows("SELECT id, state, spec FROM job WHERE mode = 'cluster' AND state IN ('queued', 'running') AND spec IS NOT NULL ORDER BY rowid", [])
            .compactMap { r in
                guard let id = r[0].text, case .blob(let spec) = r[2] else { return nil }
                return (id, r[1].text ?? "", spec)
            }
    }

    /// Parameters as the `parameters` column holds them: `name=value`, sorted, space-separated.
    private static func text(_ parameters: JobParameters) -> String {
        parameters.sorted.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }

    /// When `id` is recorded for a different job, moves that job and its results to `ID@submitted_at`.
    private func keepOtherJob(under id: String, kind: String, parameters text: String, submittedAt: Int64) throws(OmnisegError) {
        let db = workspace.db
        let other = try db.rows("SELECT submitted_at FROM job WHERE id = ? AND (kind != ? OR parameters != ? OR submitted_at != ?)",
                                [.text(id), .text(kind), .text(text), .integer(submittedAt)]).first
        guard let other else { return }
        var kept = "\(id)@\(other[0].integer ?? 0)"
        while try db.scalar("SELECT 1 FROM job WHERE id = ?", [.text(kept)]) != nil { kept += "'" }
        try db.run("UPDATE job SET id = ? WHERE id = ?", [.text(kept), .text(id)])
        for table in Self.jobTables { try db.run("UPDATE \(table) SET job_id = ? WHERE job_id = ?", [.text(kept), .text(id)]) }
    }

    /// Records how a job ended.
    public func finish(id: String, state: JobState, result: [UInt8]?, error: String?, at time: Int64) throws(OmnisegError) {
        try workspace.db.run("UPDATE job SET state = ?, result = ?, error = ?, finished_at = ? WHERE id = ?",
                             [.text(state.rawValue), result.map { .blob($0) } ?? .null, error.map { .text($0) } ?? .null, .integer(time), .text(id)])
    }

    /// The job `id`, or nil.
    public func entry(_ id: String) throws(OmnisegError) -> Entry? {
        try entries(where: "WHERE id = ?", [.text(id)]).first
    }

    /// The job `id`; throws `.notFound` naming the workspace when there is none.
    public func existing(_ id: String) throws(OmnisegError) -> Entry {
        guard let e = try entry(id) else { throw OmnisegError(.notFound, "no job '\(id)' in workspace \(workspace.path)") }
        return e
    }

    /// The id of the newest succeeded job of `kind` (on feature set `featureSet`, when given), or nil:
    /// the result the stores, the report and the segments read by default.
    public func newestSucceeded(_ kind: String, featureSet: Int64? = nil) throws(OmnisegError) -> String? {
        let onSet = featureSet == nil ? "" : " AND feature_set = ?"
        return try workspace.db.scalar("SELECT id FROM job WHERE kind = ? AND state = 'succeeded'\(onSet) ORDER BY finished_at DESC, rowid DESC LIMIT 1",
                                       [.text(kind)] + (featureSet.map { [.integer($0)] } ?? []))?.text
    }

    /// The newest jobs first.
    public func recent(limit: Int = 50) throws(OmnisegError) -> [Entry] {
        try entries(where: "ORDER BY submitted_at DESC, rowid DESC LIMIT \(max(1, limit))", [])
    }

    private func entries(where clause: String, _ values: [SQLiteValue]) throws(OmnisegError) -> [Entry] {
        try workspace.db.rows("SELECT id, kind, parameters, state, mode, submitted_at, finished_at, feature_set, result, error FROM job \(clause)", values).map { r in
            var blob: [UInt8]?
            if case .blob(let b) = r[8] { blob = b }
            return Entry(id: r[0].text ?? "", kind: r[1].text ?? "", parameters: r[2].text ?? "", state: r[3].text ?? "",
                         mode: r[4].text ?? "", submittedAt: r[5].integer ?? 0, finishedAt: r[6].integer, featureSet: r[7].integer,
                         result: blob, error: r[9].text)
        }
    }
}
