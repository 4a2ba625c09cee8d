import OmnisegCore
import QueueProtocol

/// Tells a person following a job, once per change, when nothing can run it (no live worker, no
/// coordinator), and when that is resolved. Checks at most every two seconds.
struct ReadinessNotice {
    private var workspaceID: String?
    private var lastProblems: [String] = []
    private var lastCheck = ContinuousClock.now - .seconds(10)

    /// A line to print when the problems changed since the last check, else nil.
    mutating func check(_ client: JobQueueClient, job: String) throws(OmnisegError) -> String? {
        guard ContinuousClock.now - lastCheck >= .seconds(2) else { return nil }
        lastCheck = ContinuousClock.now
        let workspace: String
        if let workspaceID { workspace = workspaceID } else { workspace = try client.record(job).workspaceID; workspaceID = workspace }
        let problems = try client.readiness(workspaceID: workspace).problems(workspaceID: workspace)
        defer { lastProblems = problems }
        if problems == lastProblems { return nil }
        if problems.isEmpty { return "\(job): workers and a coordinator are there now; the job can run" }
        return problems.map { "warning: \(job) is waiting: \($0)" }.joined(separator: "\n")
    }
}
