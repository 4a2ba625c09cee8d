import Foundation
import JobKinds
import JobRuntime
import OmnisegCore
import QueueProtocol
import RedisClient
import Synchronization

/// What a worker knows about the jobs it runs tasks for: the kind (built from the job's spec and plan),
/// iteration states, and a recent view of each job's state for cancellation and staleness checks.
///
/// Kinds and states are cached by content, never by job id: a kind by the digest of the spec and plan
/// it was made from, a state by its blob reference (digest and size), within a byte budget. A task
/// names both, so a Redis that was flushed or replaced and reuses a job id cannot be answered from
/// what was cached for the old job.
final class JobContextCache: Sendable {
    struct JobView: Sendable {
        var state: String
        var iteration: Int
        var cancelled: Bool
        var fetchedAt: Double

        /// The command whose reply ``init(reply:)`` reads.
        static func query(_ jobID: String) -> RedisCommand { RedisCommand("HMGET", QueueKeys.job(jobID), "state", "iteration", "cancel") }

        /// Reads the reply to ``query(_:)``.
        init(reply: RedisReply) {
            let f = reply.elements ?? []
            state = f.first?.text ?? ""
            iteration = Int(f.count > 1 ? f[1].integer ?? -1 : -1)
            cancelled = f.count > 2 && f[2].text == "1"
            fetchedAt = Date().timeIntervalSince1970
        }
    }

    /// How long a job view is trusted before it is read again.
    let viewLifetime = 0.25
    private let kinds = Mutex<[UInt64: any JobKind]>([:])
    private let states: BlobCache<[UInt8]>
    private let views = Mutex<[String: JobView]>([:])

    /// A cache holding up to `stateBudgetBytes` of iteration states.
    init(stateBudgetBytes: Int) { states = BlobCache(budgetBytes: stateBudgetBytes) }

    /// The job's state, read again when older than ``viewLifetime``. A view of an earlier iteration
    /// than the task's is still good: the coordinator dispatched the task, so the job advanced, and
    /// reading the job again for every iteration would put a round trip on each task's critical path.
    /// Cancellation is seen within the lifetime either way.
    func view(of jobID: String, connection: RedisConnection) throws(OmnisegError) -> JobView {
        let now = Date().timeIntervalSince1970
        if let v = views.withLock({ $0[jobID] }), now - v.fetchedAt < viewLifetime { return v }
        let view = JobView(reply: try connection.run(JobView.query(jobID)))
        update(jobID, view)
        return view
    }

    func update(_ jobID: String, _ view: JobView) {
        views.withLock { v in
            if v.count > 1000 { v.removeAll() }
            v[jobID] = view
        }
    }

    /// Whether the job was seen cancelled or no longer running (for a task's cancellation check).
    func isStopped(_ jobID: String) -> Bool {
        views.withLock { v in v[jobID].map { $0.cancelled || $0.state != JobState.running.rawValue } ?? false }
    }

    /// The kind of the job `envelope` belongs to, made from its spec and plan the first time; throws
    /// when the spec and plan in Redis are not those the task was dispatched for.
    func kind(of envelope: TaskEnvelope, connection: RedisConnection) throws(OmnisegError) -> any JobKind {
        if let k = kinds.withLock({ $0[envelope.context] }) { return k }
        let jobID = envelope.jobID
        let fields = try connection.run("HMGET", QueueKeys.job(jobID), "spec", "plan").elements ?? []
        guard fields.count == 2, let specBytes = fields[0].bytes, let planBytes = fields[1].bytes else {
            throw OmnisegError(.notFound, "job \(jobID) has no spec or plan in Redis")
        }
        let spec = try JobSpec(decoding: specBytes)
        let plan = try JobPlan(decoding: planBytes)
        guard JobContext.digest(spec: spec, plan: plan) == envelope.context else {
            throw OmnisegError(.corrupt, "job \(jobID) in Redis is not the job this task was dispatched for (Redis was flushed or replaced); the task is dropped",
                               context: [("job", jobID)])
        }
        let kind = try JobKindRegistry.make(spec.kind, columnNames: plan.columnNames, parameters: spec.parameters)
        kinds.withLock { k in
            if k.count > 100 { k.removeAll() }
            k[envelope.context] = kind
        }
        return kind
    }

    /// The body of the iteration state `reference` names, its codec header checked against `kind`'s
    /// (immutable, so cached until the budget pushes it out). `inline` is the state's bytes when the
    /// task message carried them (already checked against `reference`); otherwise they are fetched.
    func state(_ reference: BlobReference, inline: [UInt8]?, of kind: any JobKind, connection: RedisConnection) throws(OmnisegError) -> [UInt8] {
        try states.value(for: reference) { () throws(OmnisegError) in
            if let inline { return try kind.stateBody(inline) }
            let bytes: [UInt8]
            do throws(OmnisegError) {
                bytes = try BlobStore(connection: connection).get(reference)
            } catch where error.code == .notFound {
                throw OmnisegError(.notFound, "iteration state \(reference.key) is missing from Redis", context: [("blob", reference.key)])
            }
            return try kind.stateBody(bytes)
        }
    }
}
