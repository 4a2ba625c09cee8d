import JobRuntime
import Logging
import OmnisegCore
import QueueProtocol
import RedisClient
import WorkspaceJobs

/// Keeps a workspace's cluster jobs alive through a Redis that lost its data (restarted without
/// persistence, or flushed). The coordinator records every job it finds queued, with its spec, in
/// the workspace's ledger; a job the ledger has as queued or running and Redis no longer knows is
/// queued again under its own id and runs from the start (a job's result depends only on its spec
/// and inputs, so it is the same). A job Redis ended without the coordinator (cancelled while
/// queued) is ended in the ledger too.
struct LostJobRecovery {
    let connection: RedisConnection
    let ledger: JobLedger
    let workspaceID: String
    let logger: Logger

    /// Records the queued jobs among `ids` that are not in `recorded` yet; returns those recorded.
    func record(queued ids: [String], recorded: Set<String>) throws(OmnisegError) -> [String] {
        let fresh = ids.filter { !recorded.contains($0) }
        guard !fresh.isEmpty else { return [] }
        let specs = try connection.pipeline(fresh.map { RedisCommand("HGET", QueueKeys.job($0), "spec") })
        var done: [String] = []
        for (id, reply) in zip(fresh, specs) {
            guard let bytes = reply.bytes else { continue }
            let spec = try JobSpec(decoding: bytes)
            try ledger.queued(id: id, kind: spec.kind, parameters: spec.parameters, submittedAt: spec.submittedAt, spec: bytes)
            done.append(id)
        }
        return done
    }

    /// Queues again the unfinished jobs (not in `active`) that Redis lost, and ends in the ledger
    /// those Redis cancelled or failed; returns the ids queued again.
    @discardableResult
    func requeueLost(active: Set<String>) throws(OmnisegError) -> [String] {
        let unfinished = try ledger.unfinishedClusterJobs().filter { !active.contains($0.id) }
        guard !unfinished.isEmpty else { return [] }
        let replies = try connection.pipeline(unfinished.map { RedisCommand("HMGET", QueueKeys.job($0.id), "state", "error", "finished_at") })
        let client = JobQueueClient(connection: connection)
        var requeued: [String] = []
        for (job, reply) in zip(unfinished, replies) {
            let fields = reply.elements ?? []
            if let text = fields.first?.text {
                guard let state = JobState(rawValue: text), state == .cancelled || state == .failed else { continue }
                let error = fields.count > 1 ? fields[1].text : nil
                let at = fields.count > 2 ? fields[2].integer ?? JobQueueClient.now() : JobQueueClient.now()
                try ledger.finish(id: job.id, state: state, result: nil, error: error, at: at)
                continue
            }
            let spec = try JobSpec(decoding: job.spec)
            guard spec.workspaceID == workspaceID else { continue }
            if try client.requeue(spec) {
                logger.warning("Redis lost the job's record (restarted without persistence, or flushed); queued it again from the workspace",
                               metadata: ["job.id": "\(job.id)", "job.kind": "\(spec.kind)", "was": "\(job.state)"])
                requeued.append(job.id)
            }
        }
        return requeued
    }
}
