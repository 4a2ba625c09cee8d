import Foundation
import JobRuntime
import OmnisegCore
import RedisClient

/// A job's record as stored in Redis, for `status`, `watch` and `result`.
public struct JobRecord: Sendable {
    public var id: String
    public var kind: String
    public var workspaceID: String
    public var state: JobState
    public var iteration: Int
    public var tasksDone: Int
    public var tasksTotal: Int
    public var error: String?
    public var submittedAt: Int64
    public var finishedAt: Int64?
    public var cancelRequested: Bool
    public var result: [UInt8]?
    public var parameters: JobParameters
    /// Bytes of all the job's shards (what one full pass over the data moves without a cache).
    public var shardBytes: Int64 = 0
    /// Shard bytes workers read from Redis in each iteration: after the first, locality routing and
    /// the worker caches should keep this near zero.
    public var shardBytesRead: [Int64] = []
    /// Wall-clock seconds of each finished iteration (tasks and merge), as the coordinator measured them.
    public var iterationSeconds: [Double] = []
    /// How often a coordinator took the job over from one that went away.
    public var resumes: Int = 0
    /// Tasks dispatched again because they were found in no stream, retry set or result.
    public var tasksRedispatched: Int = 0
    /// Tasks taken back from a worker that stopped (lease lapsed, heartbeat expired, gone) and retried.
    public var tasksReclaimed: Int = 0
    /// Whether the coordinator queued the job again from the workspace after Redis lost its record.
    public var requeued = false

    /// The fields as JSON (the result is left out).
    public var json: String {
        JSONText.object([
            ("id", JSONText.quoted(id)), ("kind", JSONText.quoted(kind)), ("workspace", JSONText.quoted(workspaceID)),
            ("state", JSONText.quoted(state.rawValue)), ("iteration", "\(iteration)"), ("tasks_done", "\(tasksDone)"),
            ("tasks_total", "\(tasksTotal)"), ("error", error.map(JSONText.quoted) ?? "null"), ("submitted_at", "\(submittedAt)"),
            ("finished_at", finishedAt.map { "\($0)" } ?? "null"), ("cancel_requested", cancelRequested ? "true" : "false"),
            ("shard_bytes", "\(shardBytes)"), ("shard_bytes_read", "[" + shardBytesRead.map { "\($0)" }.joined(separator: ",") + "]"),
            ("iteration_seconds", "[" + iterationSeconds.map { "\($0)" }.joined(separator: ",") + "]"),
            ("resumes", "\(resumes)"), ("tasks_redispatched", "\(tasksRedispatched)"), ("tasks_reclaimed", "\(tasksReclaimed)"),
            ("requeued", requeued ? "true" : "false"),
        ])
    }
}

/// One worker's registration, for `omniseg workers`.
public struct WorkerRecord: Sendable {
    public var name: String
    public var fields: [String: String]
    public var alive: Bool

    public static let columns = ["host", "pid", "cores", "concurrency", "simd", "kernels", "version", "tasks_done", "cached_shards", "cached_bytes", "bytes_read", "last_heartbeat"]

    public var json: String {
        JSONText.object([("name", JSONText.quoted(name)), ("alive", alive ? "true" : "false")]
                        + Self.columns.map { ($0, JSONText.quoted(fields[$0] ?? "")) })
    }
}

/// One dead-lettered task.
public struct DeadLetter: Sendable {
    public var entryID: String
    public var task: String
    public var job: String
    public var reason: String
    public var attempts: String
    public var fatal: Bool
    public var worker: String
    /// The message as it arrived, or its first ``DeadLetterBounds/envelopeBytes`` when it was larger.
    public var envelope: [UInt8]
    /// The message's full size.
    public var envelopeBytes: Int
    /// Whether ``envelope`` is only a prefix of the message.
    public var truncated: Bool { envelope.count < envelopeBytes }
    /// The bytes the letter counts against the stream's budget.
    public var size: Int

    public var json: String {
        JSONText.object([("entry", JSONText.quoted(entryID)), ("task", JSONText.quoted(task)), ("job", JSONText.quoted(job)),
                         ("reason", JSONText.quoted(reason)), ("attempts", attempts.isEmpty ? "null" : attempts),
                         ("fatal", fatal ? "true" : "false"), ("worker", JSONText.quoted(worker)), ("envelope_bytes", "\(envelopeBytes)"),
                         ("truncated", truncated ? "true" : "false")])
    }
}

/// What the CLI does with the queue: submit and cancel jobs, read their records and events, list
/// workers and dead letters. One connection; not thread-safe.
public struct JobQueueClient {
    public let connection: RedisConnection

    public init(connection: RedisConnection) { self.connection = connection }

    /// Queues a job for the coordinator of its workspace and returns its id at once. The caller has
    /// checked `kind` and `parameters` (the queue knows no kinds: `JobKindRegistry.validate`). The id's
    /// number is above `after` (the workspace's highest), so a Redis that lost its data never reuses one.
    public func submit(kind: String, workspaceID: String, parameters: JobParameters, after: Int = 0) throws(OmnisegError) -> JobSpec {
        let sequence = try connection.evaluate(QueueScripts.nextJobNumber, keys: [QueueKeys.jobSequence], arguments: [after]).integer ?? 0
        let spec = JobSpec(id: "J\(sequence)", kind: kind, workspaceID: workspaceID, parameters: parameters, submittedAt: Self.now())
        let key = QueueKeys.job(spec.id)
        var hset = RedisCommand("HSET", key, "spec")
        hset.append(spec.encoded)
        for (field, value) in Self.queuedFields(spec) {
            hset.append(field)
            hset.append(value)
        }
        let replies = try connection.pipeline([
            RedisCommand("MULTI"), hset,
            RedisCommand("ZADD", QueueKeys.workspaceJobs(workspaceID), sequence, spec.id),
            RedisCommand("XADD", QueueKeys.events(spec.id), "MAXLEN", "~", 1000, "*", "state", "queued", "iteration", 0, "done", 0, "total", 0),
            RedisCommand("EXEC"),
        ])
        if let message = replies.compactMap(\.errorMessage).first {
            throw RedisConnection.serverError(message, command: "submit", endpoint: connection.endpoint)
        }
        return spec
    }

    /// A queued job's record fields (besides its spec).
    static func queuedFields(_ spec: JobSpec) -> [(String, String)] {
        [("kind", spec.kind), ("workspace", spec.workspaceID), ("state", JobState.queued.rawValue), ("iteration", "0"),
         ("tasks_done", "0"), ("tasks_total", "0"), ("submitted_at", "\(spec.submittedAt)")]
    }

    /// Queues job `spec` again under its own id when Redis has no record of it (it restarted without
    /// persistence, or was flushed), and keeps the job sequence above its number. Returns false when
    /// the record is there. The coordinator calls it for the jobs its workspace has as unfinished.
    public func requeue(_ spec: JobSpec) throws(OmnisegError) -> Bool {
        guard let number = Int(spec.id.dropFirst()), spec.id.first == "J" else {
            throw OmnisegError(.badInput, "job id '\(spec.id)' is not a cluster job id (J followed by a number)")
        }
        let fields = Self.queuedFields(spec).flatMap { [$0.0, $0.1] as [any RedisArgument] }
        let reply = try connection.evaluate(QueueScripts.requeueJob,
                                            keys: [QueueKeys.job(spec.id), QueueKeys.workspaceJobs(spec.workspaceID), QueueKeys.events(spec.id), QueueKeys.jobSequence],
                                            arguments: [spec.id, number, spec.encoded] + fields)
        return reply.integer == 1
    }

    /// The record of job `id`; throws `.notFound` when there is none.
    public func record(_ id: String) throws(OmnisegError) -> JobRecord {
        let fields = try connection.run("HGETALL", QueueKeys.job(id)).fieldMap
        guard let stateText = fields["state"]?.text, let state = JobState(rawValue: stateText) else {
            throw OmnisegError(.notFound, "no job '\(id)' in Redis at \(connection.endpoint) (finished jobs are kept for 7 days)")
        }
        var parameters = JobParameters()
        if let spec = fields["spec"]?.bytes { parameters = (try? JobSpec(decoding: spec).parameters) ?? JobParameters() }
        var record = JobRecord(
            id: id, kind: fields["kind"]?.text ?? "", workspaceID: fields["workspace"]?.text ?? "", state: state,
            iteration: Int(fields["iteration"]?.integer ?? 0), tasksDone: Int(fields["tasks_done"]?.integer ?? 0),
            tasksTotal: Int(fields["tasks_total"]?.integer ?? 0), error: fields["error"]?.text,
            submittedAt: fields["submitted_at"]?.integer ?? 0, finishedAt: fields["finished_at"]?.integer,
            cancelRequested: fields["cancel"]?.text == "1", result: fields["result"]?.bytes, parameters: parameters)
        record.shardBytes = fields["shard_bytes"]?.integer ?? 0
        record.shardBytesRead = (0...record.iteration).map { fields["shard_bytes_read:\($0)"]?.integer ?? 0 }
        record.iterationSeconds = (0...record.iteration).compactMap { fields["iteration_seconds:\($0)"]?.text.flatMap(Double.init) }
        record.resumes = Int(fields["resumes"]?.integer ?? 0)
        record.tasksRedispatched = Int(fields["tasks_redispatched"]?.integer ?? 0)
        record.tasksReclaimed = Int(fields["tasks_reclaimed"]?.integer ?? 0)
        record.requeued = fields["requeued"]?.text == "1"
        return record
    }

    /// Only the state of job `id` (cheap to poll: the result is not read); throws `.notFound` when there is none.
    public func state(of id: String) throws(OmnisegError) -> JobState {
        guard let text = try connection.run("HGET", QueueKeys.job(id), "state").text, let state = JobState(rawValue: text) else {
            throw OmnisegError(.notFound, "no job '\(id)' in Redis at \(connection.endpoint) (finished jobs are kept for 7 days)")
        }
        return state
    }

    /// Asks for job `id` to stop; returns the state it was in.
    @discardableResult
    public func cancel(_ id: String) throws(OmnisegError) -> JobState {
        let found = try connection.evaluate(QueueScripts.cancel, keys: [QueueKeys.job(id)], arguments: [Self.now()]).text ?? ""
        guard let state = JobState(rawValue: found) else { throw OmnisegError(.notFound, "no job '\(id)' to cancel") }
        return state
    }

    /// Jobs of a workspace, newest first.
    public func jobs(workspaceID: String, limit: Int = 50) throws(OmnisegError) -> [String] {
        (try connection.run("ZREVRANGE", QueueKeys.workspaceJobs(workspaceID), 0, limit - 1).elements ?? []).compactMap(\.text)
    }

    /// Progress events of job `id` after stream id `after` (blocking up to `block`), as (id, fields).
    public func events(_ id: String, after: String, block: Duration) throws(OmnisegError) -> [(id: String, fields: [String: String])] {
        try connection.run("XREAD", "COUNT", 100, "BLOCK", Int(block.milliseconds), "STREAMS", QueueKeys.events(id), after)
            .streamEntries.map { ($0.id, $0.fields.compactMapValues(\.text)) }
    }

    /// Registered workers, with whether their heartbeat is alive.
    public func workers() throws(OmnisegError) -> [WorkerRecord] {
        let names = (try connection.run("SMEMBERS", QueueKeys.workers).elements ?? []).compactMap(\.text).sorted()
        guard !names.isEmpty else { return [] }
        let replies = try connection.pipeline(names.flatMap { [RedisCommand("HGETALL", QueueKeys.workerInfo($0)), RedisCommand("EXISTS", QueueKeys.heartbeat($0))] })
        return names.enumerated().map { i, name in
            WorkerRecord(name: name, fields: replies[2 * i].fieldMap.compactMapValues(\.text), alive: replies[2 * i + 1].integer == 1)
        }
    }

    /// Dead letters, oldest first.
    public func deadLetters(limit: Int = 100) throws(OmnisegError) -> [DeadLetter] {
        try connection.run("XRANGE", QueueKeys.deadLetters, "-", "+", "COUNT", limit).entries(of: QueueKeys.deadLetters).map(Self.deadLetter)
    }

    /// The dead letter with stream id `entryID`.
    public func deadLetter(_ entryID: String) throws(OmnisegError) -> DeadLetter {
        guard let entry = try connection.run("XRANGE", QueueKeys.deadLetters, entryID, entryID).entries(of: QueueKeys.deadLetters).first else {
            throw OmnisegError(.notFound, "no dead letter '\(entryID)' (see `omniseg dlq list`)")
        }
        return Self.deadLetter(entry)
    }

    /// Puts a dead-lettered task back on the shared stream with a fresh attempt count, if its job is
    /// still running; removes the letter.
    public func retry(_ entryID: String) throws(OmnisegError) {
        let letter = try deadLetter(entryID)
        var envelope: TaskEnvelope
        do throws(OmnisegError) {
            envelope = try TaskEnvelope(decoding: letter.envelope)
        } catch {
            throw OmnisegError(.badInput, "dead letter \(entryID) holds an undecodable message; it cannot be retried, only purged (\(error.message))")
        }
        let state = try connection.run("HGET", QueueKeys.job(envelope.jobID), "state").text
        guard state == JobState.running.rawValue else {
            throw OmnisegError(.precondition, "job \(envelope.jobID) is \(state ?? "gone"); resubmit it instead of retrying one task")
        }
        guard !letter.truncated else {
            throw OmnisegError(.badInput, "dead letter \(entryID) kept only \(letter.envelope.count) of its \(letter.envelopeBytes) bytes; it cannot be retried")
        }
        envelope.attempt = 1
        try connection.run("XADD", QueueKeys.sharedStream, "*", "t", envelope.encoded)
        try drop(letter)
    }

    /// Deletes dead letters (all, or the one given); returns how many.
    @discardableResult
    public func purge(_ entryID: String? = nil) throws(OmnisegError) -> Int {
        if let entryID { return try drop(try deadLetter(entryID)) }
        let n = try connection.run("XLEN", QueueKeys.deadLetters).integer ?? 0
        try connection.run("DEL", QueueKeys.deadLetters, QueueKeys.deadLetterBytes)
        return Int(n)
    }

    /// Deletes one letter and takes its bytes off the stream's count; returns 1, or 0 when it was gone.
    @discardableResult
    private func drop(_ letter: DeadLetter) throws(OmnisegError) -> Int {
        let replies = try connection.pipeline([RedisCommand("XDEL", QueueKeys.deadLetters, letter.entryID)])
        guard replies.first?.integer == 1 else { return 0 }
        try connection.run("DECRBY", QueueKeys.deadLetterBytes, letter.size)
        return 1
    }

    static func deadLetter(_ entry: StreamEntry) -> DeadLetter {
        let f = entry.fields
        return DeadLetter(entryID: entry.id, task: f["task"]?.text ?? "", job: f["job"]?.text ?? "", reason: f["reason"]?.text ?? "",
                          attempts: f["attempts"]?.text ?? "", fatal: f["fatal"]?.text == "1", worker: f["worker"]?.text ?? "",
                          envelope: f["envelope"]?.bytes ?? [], envelopeBytes: f["envelope_bytes"]?.text.flatMap(Int.init) ?? f["envelope"]?.bytes?.count ?? 0,
                          size: f["size"]?.text.flatMap(Int.init) ?? 0)
    }

    /// Seconds since 1970.
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
    /// Milliseconds since 1970.
    public static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
