import JobKinds
import JobRuntime
import OmnisegCore
import QueueProtocol
import Workspace
import WorkspaceJobs

/// Queueing a job as `submit` and `run --redis` do it.
enum JobSubmission {
    /// Checks `kind` and `parameters` and queues the job for workspace `workspaceID`. With the
    /// workspace at hand, the job's number is above its highest, so a Redis that lost its data never
    /// hands out an id again.
    static func submit(_ kind: String, parameters: JobParameters, workspaceID: String, workspace: Workspace?,
                       client: JobQueueClient) throws(OmnisegError) -> JobSpec {
        try JobKindRegistry.validate(kind, parameters: parameters)
        var after = 0
        if let workspace { after = try JobLedger(workspace: workspace).highestClusterJobNumber() }
        return try client.submit(kind: kind, workspaceID: workspaceID, parameters: parameters, after: after)
    }

    /// Says on standard error what keeps queued job `spec` from running (no live worker; no
    /// coordinator, unless `needsCoordinator` is false because the caller coordinates).
    static func warnIfNothingCanRun(_ spec: JobSpec, client: JobQueueClient, needsCoordinator: Bool) {
        let problems = (try? client.readiness(workspaceID: spec.workspaceID).problems(workspaceID: spec.workspaceID,
                                                                                     needsCoordinator: needsCoordinator)) ?? []
        for p in problems { StandardError.write("warning: \(spec.id) is queued, but \(p)\n") }
    }
}
