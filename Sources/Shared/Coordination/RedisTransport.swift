import JobRuntime
import Logging
import OmnisegCore
import QueueProtocol
import RedisClient

/// The cluster transport: dispatches an iteration's tasks to Redis streams within the shared window,
/// routes each shard to the worker that caches it, and collects the partials when all are in.
///
/// When no task has completed for `lostTaskCheck`, it looks for the dispatched tasks in one atomic
/// snapshot of the streams, the delayed set and the results; a task missing from two snapshots in a
/// row (lost outside Redis's own guarantees, e.g. an AOF that lost its last second) is dispatched again.
struct RedisTransport: TaskTransport {
    let connection: RedisConnection
    let state: CoordinatorState
    let jobID: String
    let kind: String
    let plan: JobPlan
    /// The digest of the job's spec and plan, which every task carries (``JobContext``).
    let context: UInt64
    let lostTaskCheck: Duration
    let logger: Logger
    /// Each shard's worker for the live workers last seen (recomputed when they change).
    private let routes = ShardRoutes()

    func run(_ work: IterationWork, progress: (Int, Int) -> Void) throws(OmnisegError) -> [[UInt8]] {
        let n = plan.tasks.count
        let resultsKey = QueueKeys.results(jobID, iteration: work.iteration)
        let dispatchedKey = QueueKeys.dispatched(jobID, iteration: work.iteration)
        // The state blob the checkpoint stored (same bytes, same reference).
        let stateReference = work.state.withUnsafeBytes { BlobStore.reference(for: $0) }
        let done = Set((try connection.run("HKEYS", resultsKey).elements ?? []).compactMap { $0.integer.map(Int.init) })
        var dispatched = Set((try connection.run("SMEMBERS", dispatchedKey).elements ?? []).compactMap { $0.integer.map(Int.init) })
        dispatched.formUnion(done)
        var pending = (0..<n).filter { !dispatched.contains($0) }[...]
        // A task's cost in rows: a shard's rows, or for data-only tasks a row per 64 bytes of input.
        let rows = plan.tasks.reduce(0) { $0 + ($1.features?.rowCount ?? ($1.data?.byteCount ?? 0) / 64) }
        let taskCost = DispatchWindow.taskCost(rowsPerShard: rows / max(1, n))
        defer { state.forget(job: jobID) }
        var lastDone = -1
        var lastProgress = ContinuousClock.now
        var suspects: Set<Int> = []
        while true {
            let replies = try connection.pipeline([RedisCommand("HMGET", QueueKeys.job(jobID), "cancel", "error", "state"), RedisCommand("HLEN", resultsKey)])
            if let message = replies.compactMap(\.errorMessage).first {
                throw RedisConnection.serverError(message, command: "HMGET/HLEN", endpoint: connection.endpoint)
            }
            let fields = replies[0].elements ?? []
            if fields.first?.text == "1" { throw OmnisegError(.cancelled, "job \(jobID) was cancelled") }
            if fields.count > 1, let error = fields[1].text { throw OmnisegError(.jobFailed, error, context: [("job", jobID)]) }
            if fields.count > 2, fields[2].text == nil {
                // The job's record is gone: Redis restarted without persistence (or was flushed), and its
                // iteration states and results with it. Fail the job clearly instead of dispatching forever.
                throw OmnisegError(.jobFailed, "Redis at \(connection.endpoint) lost job \(jobID)'s record (restarted without persistence, or flushed); "
                                   + "resubmit the job (with appendonly yes, as deploy/redis/omniseg-queue.conf sets, a restart keeps it)",
                                   context: [("job", jobID)])
            }
            guard state.isLeader, !state.stopping else {
                throw OmnisegError(.fenced, "coordinator stopped or lost the workspace lock; the job resumes under the next leader")
            }
            let doneCount = Int(replies[1].integer ?? 0)
            if doneCount != lastDone {
                progress(doneCount, n)
                lastDone = doneCount
                lastProgress = ContinuousClock.now
                suspects = []
            }
            if doneCount >= n { break }
            if ContinuousClock.now - lastProgress > lostTaskCheck {
                let missing = try missingTasks(dispatched, iteration: work.iteration)
                let lost = missing.intersection(suspects)
                suspects = missing.subtracting(lost)
                if !lost.isEmpty {
                    logger.warning("dispatching again tasks found in no stream, retry set or result",
                                   metadata: ["job.id": "\(jobID)", "iteration": "\(work.iteration)", "shards": "\(lost.sorted())"])
                    try connection.run("HINCRBY", QueueKeys.job(jobID), "tasks_redispatched", lost.count)
                    dispatched.subtract(lost)
                    pending = (Array(pending) + lost.sorted())[...]
                }
                lastProgress = ContinuousClock.now
            }
            let inFlight = dispatched.count - doneCount
            let grant = state.grant(job: jobID, inFlight: inFlight, wanting: pending.count, taskCost: taskCost)
            if grant > 0 {
                try dispatch(Array(pending.prefix(grant)), iteration: work.iteration, state: stateReference, dispatchedKey: dispatchedKey)
                for s in pending.prefix(grant) { dispatched.insert(s) }
                pending = pending.dropFirst(grant)
            } else {
                // Nothing to dispatch: sleep until a task completes (the complete script signals), or
                // 50 ms pass, to look at cancellation, errors and the window again.
                try connection.run("BLPOP", QueueKeys.completed(jobID), "0.05")
            }
        }
        let stored = try connection.run("HGETALL", resultsKey).fieldMap
        var partials: [[UInt8]] = []
        partials.reserveCapacity(n)
        for s in 0..<n {
            guard let framed = stored["\(s)"]?.bytes else {
                throw OmnisegError(.corrupt, "the partial of shard \(s) is missing from \(resultsKey)", context: [("job", jobID)])
            }
            partials.append(try WireFrame.decode(framed, expecting: .partial).payload)
        }
        return partials
    }

    /// Dispatched shards of this iteration that are nowhere: not in a task stream (unread or pending),
    /// not waiting for a retry, and without a result. Read in one MULTI, so a task moving between
    /// places is seen in exactly one of them.
    private func missingTasks(_ dispatched: Set<Int>, iteration: Int) throws(OmnisegError) -> Set<Int> {
        let workers = (try connection.run("SMEMBERS", QueueKeys.workers).elements ?? []).compactMap(\.text)
        let streams = [QueueKeys.sharedStream] + workers.map(QueueKeys.workerStream)
        var commands = [RedisCommand("MULTI")]
        commands += streams.map { RedisCommand("XRANGE", $0, "-", "+") }
        commands += [RedisCommand("ZRANGE", QueueKeys.delayed, 0, -1), RedisCommand("HKEYS", QueueKeys.results(jobID, iteration: iteration)),
                     RedisCommand("EXEC")]
        let replies = try connection.pipeline(commands)
        if let message = replies.compactMap(\.errorMessage).first {
            throw RedisConnection.serverError(message, command: "lost-task check", endpoint: connection.endpoint)
        }
        guard let snapshot = replies.last?.elements, snapshot.count == streams.count + 2 else { return [] }
        var messages: [[UInt8]] = []
        for (stream, reply) in zip(streams, snapshot) { messages += reply.entries(of: stream).map(\.message) }
        messages += (snapshot[streams.count].elements ?? []).compactMap(\.bytes)
        var present = Set((snapshot[streams.count + 1].elements ?? []).compactMap { $0.integer.map(Int.init) })
        for message in messages {
            guard let envelope = try? TaskEnvelope(decoding: message), envelope.jobID == jobID, envelope.iteration == iteration else { continue }
            present.insert(envelope.task.index)
        }
        return dispatched.subtracting(present)
    }

    private func dispatch(_ shards: [Int], iteration: Int, state stateReference: BlobReference, dispatchedKey: String) throws(OmnisegError) {
        let live = state.liveWorkers
        if routes.workers != live || routes.owners.count != plan.tasks.count {
            routes.workers = live
            routes.owners = DispatchWindow.assignment(shards: plan.tasks.map(\.localityKey), among: live)
        }
        let owners = routes.owners
        var commands = [RedisCommand("MULTI")]
        for s in shards {
            let envelope = TaskEnvelope(jobID: jobID, kind: kind, iteration: iteration, attempt: 1, task: plan.tasks[s], state: stateReference, context: context)
            let stream = (s < owners.count ? owners[s] : nil).map(QueueKeys.workerStream) ?? QueueKeys.sharedStream
            commands.append(RedisCommand("SADD", dispatchedKey, s))
            commands.append(RedisCommand("XADD", stream, "*", "t", envelope.encoded))
        }
        commands.append(RedisCommand("EXEC"))
        let replies = try connection.pipeline(commands)
        if let message = replies.compactMap(\.errorMessage).first {
            throw RedisConnection.serverError(message, command: "dispatch", endpoint: connection.endpoint)
        }
    }
}

/// Checkpoints in Redis: the iteration number in the job hash and each iteration's immutable state
/// as a chunked blob (so a state may be far larger than one Redis string), its reference in the
/// hash's `state_ref`; written only while this coordinator holds the workspace's current fencing epoch.
struct RedisCheckpoints: JobCheckpoints {
    let connection: RedisConnection
    let state: CoordinatorState
    let jobID: String
    let workspaceID: String
    let shardCount: Int
    /// How long a state blob is kept after it was last written (the job's retention).
    let retentionSeconds: Int

    func resumePoint() throws(OmnisegError) -> (iteration: Int, state: [UInt8])? {
        let fields = try connection.run("HMGET", QueueKeys.job(jobID), "iteration", "state_ref").elements ?? []
        guard fields.count == 2, let iteration = fields[0].integer.map(Int.init), let text = fields[1].text else { return nil }
        guard let reference = BlobReference(text: text) else {
            throw OmnisegError(.corrupt, "job \(jobID)'s state_ref '\(text)' is not a blob reference", context: [("job", jobID)])
        }
        return (iteration, try BlobStore(connection: connection).get(reference))
    }

    func begin(iteration: Int, state iterationState: [UInt8]) throws(OmnisegError) {
        let (reference, _) = try BlobStore(connection: connection).put(iterationState, expireSeconds: retentionSeconds)
        let done = try connection.run("HLEN", QueueKeys.results(jobID, iteration: iteration)).integer ?? 0
        try fencedSet(connection: connection, state: state, workspaceID: workspaceID, jobID: jobID,
                      ["iteration": "\(iteration)", "state_ref": reference.text, "tasks_done": "\(done)", "tasks_total": "\(shardCount)"])
        if iteration > 0 {
            try connection.run("DEL", QueueKeys.results(jobID, iteration: iteration - 1), QueueKeys.dispatched(jobID, iteration: iteration - 1))
        }
    }
}

func fencedSet(connection: RedisConnection, state: CoordinatorState, workspaceID: String, jobID: String, _ fields: [String: String]) throws(OmnisegError) {
    var arguments: [any RedisArgument] = [state.epoch]
    for (k, v) in fields.sorted(by: { $0.key < $1.key }) { arguments.append(k); arguments.append(v) }
    let ok = try connection.evaluate(QueueScripts.fencedSet, keys: [QueueKeys.epoch(workspaceID), QueueKeys.job(jobID)], arguments: arguments)
    guard ok.integer == 1 else {
        throw OmnisegError(.fenced, "another coordinator now leads workspace \(workspaceID); this one stops writing job \(jobID)")
    }
}

/// The transport's shard-to-worker routes; one transport runs on one thread, so no lock is needed.
final class ShardRoutes {
    var workers: [String] = []
    var owners: [String?] = []
}
