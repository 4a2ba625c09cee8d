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
    /// How long a task view of a state (``IterationWork/isCheckpointedState`` false) is kept in Redis.
    let retentionSeconds: Int
    /// What the checkpoint saw as the iteration began (``RedisCheckpoints/started``).
    let started: IterationStarts
    let logger: Logger
    /// Each shard's worker for the live workers last seen (recomputed when they change).
    private let routes = ShardRoutes()

    func run(_ work: IterationWork, progress: (Int, Int) -> Void) throws(OmnisegError) -> [[UInt8]] {
        let n = plan.tasks.count
        let resultsKey = QueueKeys.results(jobID, iteration: work.iteration)
        let dispatchedKey = QueueKeys.dispatched(jobID, iteration: work.iteration)
        let start = started.take(iteration: work.iteration)
        // The state blob the checkpoint stored (same bytes, same reference: hashed once, there), or
        // the kind's task view of it, stored here.
        let stateReference: BlobReference
        if work.isCheckpointedState {
            stateReference = start?.state ?? work.state.withUnsafeBytes { BlobStore.reference(for: $0) }
        } else {
            let stored = work.state.withUnsafeBytes { raw in
                Result { () throws(OmnisegError) in try BlobStore(connection: connection).put(raw, expireSeconds: retentionSeconds).reference }
            }
            stateReference = try stored.get()
        }
        let lookCommands = [JobFields.query(jobID), RedisCommand("HLEN", resultsKey)]
        var dispatched: Set<Int> = []
        var firstLook: [RedisReply]
        if let start, start.results == 0, start.dispatched == 0 {
            // A fresh iteration: its checkpoint already looked at the job, and nothing ran yet.
            firstLook = [start.fields, .integer(0)]
        } else {
            // A resumed iteration: what it already has (results in, tasks dispatched) and the first
            // look at the job, in one round trip.
            let known = try check(connection.pipeline([RedisCommand("HKEYS", resultsKey), RedisCommand("SMEMBERS", dispatchedKey)] + lookCommands),
                                  "HKEYS/SMEMBERS/HMGET/HLEN")
            let done = Set((known[0].elements ?? []).compactMap { $0.integer.map(Int.init) })
            dispatched = Set((known[1].elements ?? []).compactMap { $0.integer.map(Int.init) })
            dispatched.formUnion(done)
            firstLook = Array(known[2...])
        }
        var pending = DispatchWindow.interleaved((0..<n).filter { !dispatched.contains($0) }, owners: currentOwners())[...]
        // A task's cost in rows: a shard's rows, or for data-only tasks a row per 64 bytes of input.
        let rows = plan.tasks.reduce(0) { $0 + ($1.features?.rowCount ?? ($1.data?.byteCount ?? 0) / 64) }
        let taskCost = DispatchWindow.taskCost(rowsPerShard: rows / max(1, n))
        defer { state.forget(job: jobID) }
        var lastDone = -1
        var lastProgress = ContinuousClock.now
        var suspects: Set<Int> = []
        func advanced(to doneCount: Int) {
            guard doneCount != lastDone else { return }
            progress(doneCount, n)
            lastDone = doneCount
            lastProgress = ContinuousClock.now
            suspects = []
        }
        // The round trips on an iteration's critical path are few: the checkpoint (one pipeline, which
        // also looks at the job), the dispatch, and after the completion signal says every task is
        // in, one pipeline that checks the job and reads the partials.
        var look = true
        var looked = true
        while true {
            if look {
                if !looked { firstLook = try check(connection.pipeline(lookCommands), "HMGET/HLEN") }
                looked = false
                let replies = firstLook
                try JobFields(replies[0]).ensureRunning(jobID, on: connection, state: state)
                let doneCount = Int(replies[1].integer ?? 0)
                advanced(to: doneCount)
                if doneCount >= n, let partials = try collect(resultsKey, count: n) { return partials }
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
                let inFlight = dispatched.count - max(0, lastDone)
                let grant = state.grant(job: jobID, inFlight: inFlight, wanting: pending.count, taskCost: taskCost)
                if grant > 0 {
                    try dispatch(Array(pending.prefix(grant)), iteration: work.iteration, iterationState: (stateReference, work.state),
                                 dispatchedKey: dispatchedKey)
                    for s in pending.prefix(grant) { dispatched.insert(s) }
                    pending = pending.dropFirst(grant)
                    // With more to dispatch, look again at once (the window may grant more).
                    if !pending.isEmpty { continue }
                }
            }
            // Sleep until a task completes (the complete script leaves the iteration's count of
            // results in the signal list), or 50 ms pass, to look at cancellation, errors, lost tasks
            // and the window again.
            let signal = try connection.run("BLPOP", QueueKeys.completed(jobID), "0.05")
            guard let count = signal.elements?.last?.integer.map(Int.init) else {
                look = true
                continue
            }
            advanced(to: max(lastDone, min(count, n)))
            if count >= n, let partials = try collect(resultsKey, count: n) { return partials }
            // Below the total: look again only when the window may now grant tasks still pending.
            look = !pending.isEmpty
        }
    }

    /// The iteration's partials in shard order when all `count` are in (checking the job is still
    /// running in the same round trip); nil when some are still missing (a signal left from before).
    private func collect(_ resultsKey: String, count n: Int) throws(OmnisegError) -> [[UInt8]]? {
        let replies = try check(connection.pipeline([JobFields.query(jobID), RedisCommand("HGETALL", resultsKey)]), "HMGET/HGETALL")
        try JobFields(replies[0]).ensureRunning(jobID, on: connection, state: state)
        let stored = replies[1].fieldMap
        guard stored.count >= n else { return nil }
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

    private func check(_ replies: [RedisReply], _ command: String) throws(OmnisegError) -> [RedisReply] {
        if let message = replies.compactMap(\.errorMessage).first {
            throw RedisConnection.serverError(message, command: command, endpoint: connection.endpoint)
        }
        return replies
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

    /// Each shard's worker among the live workers (recomputed when they changed).
    private func currentOwners() -> [String?] {
        let live = state.liveWorkers
        if routes.workers != live || routes.owners.count != plan.tasks.count {
            routes.workers = live
            routes.owners = DispatchWindow.assignment(shards: plan.tasks.map(\.localityKey), among: live)
        }
        return routes.owners
    }

    /// Sends the tasks of `shards`; the state's bytes ride inside each message when small enough
    /// (``TaskEnvelope/inlineStateLimit``), so workers need not fetch the blob.
    private func dispatch(_ shards: [Int], iteration: Int, iterationState: (reference: BlobReference, bytes: [UInt8]),
                          dispatchedKey: String) throws(OmnisegError) {
        let owners = currentOwners()
        var commands = [RedisCommand("MULTI")]
        for s in shards {
            let envelope = TaskEnvelope(jobID: jobID, kind: kind, iteration: iteration, attempt: 1, task: plan.tasks[s], state: iterationState.reference,
                                        context: context, inlineState: iterationState.bytes)
            let stream = (s < owners.count ? owners[s] : nil).map(QueueKeys.workerStream) ?? QueueKeys.sharedStream
            commands.append(RedisCommand("SADD", dispatchedKey, s))
            commands.append(RedisCommand("XADD", stream, "*", "t", envelope.encoded))
        }
        commands.append(RedisCommand("EXEC"))
        _ = try check(connection.pipeline(commands), "dispatch")
    }
}

/// Checkpoints in Redis: the iteration number in the job hash and the iteration's immutable state
/// as a chunked blob (so a state may be far larger than one Redis string), its reference in the
/// hash's `state_ref` and its iteration in `checkpoint_iteration` (a large state is not stored every
/// iteration: ``CheckpointPolicy``); written only while this coordinator holds the workspace's
/// current fencing epoch.
struct RedisCheckpoints: JobCheckpoints {
    let connection: RedisConnection
    let state: CoordinatorState
    let jobID: String
    let workspaceID: String
    let shardCount: Int
    /// How long a state blob is kept after it was last written (the job's retention).
    let retentionSeconds: Int
    /// Informational writes of the iteration before, sent in the same pipeline.
    let deferred: DeferredWrites
    /// Where ``begin(iteration:state:tasksRead:)`` leaves what it saw of the job, for the transport.
    let started: IterationStarts
    var policy = CheckpointPolicy()
    let clock = CheckpointClock()

    func resumePoint() throws(OmnisegError) -> (iteration: Int, state: [UInt8])? {
        let fields = try connection.run("HMGET", QueueKeys.job(jobID), "iteration", "state_ref", "checkpoint_iteration").elements ?? []
        guard fields.count == 3, let current = fields[0].integer.map(Int.init), let text = fields[1].text else { return nil }
        // The iteration whose state was stored last (records written before there was a policy: the current one).
        let iteration = fields[2].integer.map(Int.init) ?? current
        guard let reference = BlobReference(text: text) else {
            throw OmnisegError(.corrupt, "job \(jobID)'s state_ref '\(text)' is not a blob reference", context: [("job", jobID)])
        }
        return (iteration, try BlobStore(connection: connection).get(reference))
    }

    /// Stores the state (when the policy says so) and records the iteration (fenced) in one round trip
    /// when the state is small enough for one pipeline, deleting the previous iteration's results and
    /// dispatched set.
    func begin(iteration: Int, state iterationState: [UInt8], tasksRead: Bool) throws(OmnisegError) {
        var reference: BlobReference?
        var upload: [RedisCommand] = []
        let now = ContinuousClock.now
        if policy.stores(bytes: iterationState.count, tasksRead: tasksRead, sinceStored: clock.lastStored.map { now - $0 }) {
            if let small = BlobStore.putCommands(iterationState, expireSeconds: retentionSeconds) {
                (reference, upload) = (small.reference, small.commands)
            } else {
                reference = try BlobStore(connection: connection).put(iterationState, expireSeconds: retentionSeconds).reference
            }
            clock.lastStored = now
        }
        var keys = [QueueKeys.epoch(workspaceID), QueueKeys.job(jobID), QueueKeys.results(jobID, iteration: iteration),
                    QueueKeys.dispatched(jobID, iteration: iteration)]
        if iteration > 0 { keys += [QueueKeys.results(jobID, iteration: iteration - 1), QueueKeys.dispatched(jobID, iteration: iteration - 1)] }
        let call = ScriptCall(keys: keys, arguments: [state.epoch, iteration, reference?.text ?? "", shardCount])
        let reply = try connection.evaluate(QueueScripts.beginIteration, call, after: deferred.take() + upload)
        guard let f = reply.elements, f.count == 6, f[0].integer == 1 else { throw fencedOff(workspaceID: workspaceID, jobID: jobID) }
        started.record(IterationStart(iteration: iteration, state: reference, fields: .array(Array(f[1...3])),
                                      results: Int(f[4].integer ?? -1), dispatched: Int(f[5].integer ?? -1)))
    }
}

/// The error of a write refused because another coordinator now holds the workspace's epoch.
func fencedOff(workspaceID: String, jobID: String) -> OmnisegError {
    OmnisegError(.fenced, "another coordinator now leads workspace \(workspaceID); this one stops writing job \(jobID)")
}

func fencedSet(connection: RedisConnection, state: CoordinatorState, workspaceID: String, jobID: String, _ fields: [String: String]) throws(OmnisegError) {
    var arguments: [any RedisArgument] = [state.epoch]
    for (k, v) in fields.sorted(by: { $0.key < $1.key }) { arguments.append(k); arguments.append(v) }
    let ok = try connection.evaluate(QueueScripts.fencedSet, keys: [QueueKeys.epoch(workspaceID), QueueKeys.job(jobID)], arguments: arguments)
    guard ok.integer == 1 else {
        throw fencedOff(workspaceID: workspaceID, jobID: jobID)
    }
}

/// What the checkpoint stored and its `beginIteration` script saw of the job as an iteration began: its cancel,
/// error and state fields (as `HMGET` returns them) and how many results and dispatched tasks the
/// iteration already had.
struct IterationStart {
    let iteration: Int
    /// The reference of the state blob it stored (nil when the policy skipped it).
    let state: BlobReference?
    let fields: RedisReply
    let results: Int
    let dispatched: Int
}

/// Hands the last ``IterationStart`` from the checkpoints to the transport; one job's thread uses it,
/// so no lock is needed.
final class IterationStarts {
    private var last: IterationStart?

    func record(_ start: IterationStart) { last = start }

    /// The start of `iteration`, if it is the one recorded last; forgets it either way.
    func take(iteration: Int) -> IterationStart? {
        defer { last = nil }
        return last?.iteration == iteration ? last : nil
    }
}

/// The transport's shard-to-worker routes; one transport runs on one thread, so no lock is needed.
final class ShardRoutes {
    var workers: [String] = []
    var owners: [String?] = []
}

/// The job hash's fields the transport watches while an iteration runs.
struct JobFields {
    let cancelled: Bool
    let error: String?
    /// Whether the hash exists (its `state` is set).
    let exists: Bool

    static func query(_ jobID: String) -> RedisCommand { RedisCommand("HMGET", QueueKeys.job(jobID), "cancel", "error", "state") }

    init(_ reply: RedisReply) {
        let fields = reply.elements ?? []
        cancelled = fields.first?.text == "1"
        error = fields.count > 1 ? fields[1].text : nil
        exists = fields.count > 2 && fields[2].text != nil
    }

    /// Throws when the job was cancelled, failed, lost from Redis, or this coordinator stopped leading.
    func ensureRunning(_ jobID: String, on connection: RedisConnection, state: CoordinatorState) throws(OmnisegError) {
        if cancelled { throw OmnisegError(.cancelled, "job \(jobID) was cancelled") }
        if let error { throw OmnisegError(.jobFailed, error, context: [("job", jobID)]) }
        if !exists {
            // The job's record is gone: Redis restarted without persistence (or was flushed), and its
            // iteration states and results with it. Stop dispatching; the job is queued again from the workspace.
            throw OmnisegError(.recordLost, "Redis at \(connection.endpoint) lost job \(jobID)'s record (restarted without persistence, or flushed); "
                               + "it is queued again from the workspace and runs from the start", context: [("job", jobID)])
        }
        guard state.isLeader, !state.stopping else {
            throw OmnisegError(.fenced, "coordinator stopped or lost the workspace lock; the job resumes under the next leader")
        }
    }
}
