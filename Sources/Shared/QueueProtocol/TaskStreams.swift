import OmnisegCore
import RedisClient

/// One entry read from a task stream: the stream, its entry id and its fields.
public struct StreamEntry: Sendable {
    public let stream: String
    public let id: String
    public let fields: [String: RedisReply]

    /// The task message (field `t`), or empty when the entry has none.
    public var message: [UInt8] { fields["t"]?.bytes ?? [] }
}

extension RedisReply {
    /// The entries of an XRANGE or XAUTOCLAIM-style list `[[id, [field, value…]]…]` of `stream`.
    public func entries(of stream: String) -> [StreamEntry] {
        (elements ?? []).compactMap { entry in
            guard let pair = entry.elements, pair.count == 2, let id = pair[0].text else { return nil }
            return StreamEntry(stream: stream, id: id, fields: pair[1].fieldMap)
        }
    }

    /// The entries of an XREAD/XREADGROUP reply `[[stream, entries]…]`, in reply order.
    public var streamEntries: [StreamEntry] {
        (elements ?? []).flatMap { stream -> [StreamEntry] in
            guard let parts = stream.elements, parts.count == 2, let name = parts[0].text else { return [] }
            return parts[1].entries(of: name)
        }
    }
}

extension RedisConnection {
    /// Acknowledges and deletes a task entry without running it (cancelled, finished or stale job).
    public func discardTask(_ entry: StreamEntry) throws(OmnisegError) {
        _ = try pipeline([RedisCommand("XACK", entry.stream, QueueKeys.group, entry.id), RedisCommand("XDEL", entry.stream, entry.id)])
    }

    /// Takes a task entry off its stream as failed: retried after a jittered backoff, or dead-lettered
    /// (with the error on its job) when `fatal`, undecodable (`envelope` nil) or out of attempts. A
    /// dead letter keeps a bounded prefix of the message; the stream keeps at most `deadLetterBudget`
    /// bytes, dropping the oldest letters.
    /// Returns 0 when someone else already handled the entry, 1 retried later, 2 dead-lettered.
    @discardableResult
    public func failTask(_ entry: StreamEntry, envelope: TaskEnvelope?, reason: String, fatal: Bool, worker: String,
                         retry: RetryPolicy, deadLetterBudget: Int = DeadLetterBounds.streamBytes) throws(OmnisegError) -> Int64 {
        let attempt = envelope?.attempt ?? 1
        let due = JobQueueClient.nowMilliseconds() + retry.backoff(afterAttempt: attempt, jitter: Double.random(in: 0...1)).milliseconds
        let message = entry.message
        return try evaluate(QueueScripts.fail,
            keys: [entry.stream, QueueKeys.job(envelope?.jobID ?? "-"), QueueKeys.deadLetters, QueueKeys.delayed, QueueKeys.deadLetterBytes],
            arguments: [QueueKeys.group, entry.id, envelope?.nextAttempt().encoded ?? [], attempt, retry.maxAttempts, due,
                        String(decoding: reason.utf8.prefix(DeadLetterBounds.reasonBytes), as: UTF8.self), fatal || envelope == nil ? "1" : "0",
                        envelope?.taskID ?? "undecodable:\(entry.id)", worker, envelope?.jobID ?? "",
                        Array(message.prefix(DeadLetterBounds.envelopeBytes)), message.count, deadLetterBudget]).integer ?? -1
    }

    /// Moves every entry of a worker's affinity stream to the shared stream and deletes the stream
    /// (its worker left, or is leaving, before reading them).
    public func moveUnreadTasksToShared(from stream: String) throws(OmnisegError) {
        var moves: [RedisCommand] = []
        var perJob: [String: Int] = [:]
        for entry in try run("XRANGE", stream, "-", "+").entries(of: stream) where entry.fields["t"]?.bytes != nil {
            moves.append(RedisCommand("XADD", QueueKeys.sharedStream, "*", "t", entry.message))
            if let envelope = try? TaskEnvelope(decoding: entry.message) { perJob[envelope.jobID, default: 0] += 1 }
        }
        // Counted in each job's record as taken back from a stopped worker; only for a job whose record
        // is still there (a counter alone would make a record without an expiry).
        let jobs = perJob.keys.sorted()
        let present = jobs.isEmpty ? [] : try pipeline(jobs.map { RedisCommand("EXISTS", QueueKeys.job($0)) })
        for (job, reply) in zip(jobs, present) where reply.integer == 1 {
            moves.append(RedisCommand("HINCRBY", QueueKeys.job(job), "tasks_reclaimed", perJob[job] ?? 0))
        }
        moves.append(RedisCommand("DEL", stream))
        _ = try pipeline(moves)
    }
}
