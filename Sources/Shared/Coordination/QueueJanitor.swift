import Logging
import OmnisegCore
import QueueProtocol
import RedisClient

/// The coordinator's housekeeping, run on its own thread: keeps the leader lock, tracks live workers
/// and the window, reclaims tasks whose lease lapsed, moves dead workers' tasks back to the shared
/// stream, and promotes delayed retries when they fall due.
struct QueueJanitor {
    let connection: RedisConnection
    let state: CoordinatorState
    let workspaceID: String
    let owner: String
    let options: CoordinatorOptions
    let logger: Logger
    private let consumer = "janitor"

    init(connection: RedisConnection, state: CoordinatorState, workspaceID: String, owner: String, options: CoordinatorOptions, logger: Logger) {
        self.connection = connection
        self.state = state
        self.workspaceID = workspaceID
        self.owner = owner
        self.options = options
        self.logger = logger
    }

    /// Takes or renews the leader lock; returns the epoch, or 0 when another coordinator holds it.
    func lead() throws(OmnisegError) -> Int64 {
        try connection.evaluate(QueueScripts.lead, keys: [QueueKeys.leader(workspaceID), QueueKeys.epoch(workspaceID)],
                                arguments: [owner, options.leaderLease.milliseconds]).integer ?? 0
    }

    func resign() {
        _ = try? connection.evaluate(QueueScripts.resign, keys: [QueueKeys.leader(workspaceID)], arguments: [owner])
    }

    /// One round of housekeeping.
    func sweep() throws(OmnisegError) {
        let names = (try connection.run("SMEMBERS", QueueKeys.workers).elements ?? []).compactMap(\.text).sorted()
        var live: [String] = []
        var slots = 0
        if !names.isEmpty {
            let replies = try connection.pipeline(names.flatMap { [RedisCommand("EXISTS", QueueKeys.heartbeat($0)), RedisCommand("HGET", QueueKeys.workerInfo($0), "concurrency")] })
            for (i, name) in names.enumerated() {
                if replies[2 * i].integer == 1 {
                    live.append(name)
                    slots += Int(replies[2 * i + 1].integer ?? 1)
                } else {
                    try retire(worker: name)
                }
            }
        }
        state.workers(live, slots: slots)
        for stream in [QueueKeys.sharedStream] + live.map(QueueKeys.workerStream) {
            try reclaim(stream: stream, minIdle: options.leaseTimeout, reason: "its lease lapsed (the worker stopped renewing it)")
        }
        try moveTasksPastTheLocalityWait(live)
        try promoteDueRetries()
    }

    /// A worker whose heartbeat expired: its claimed tasks are retried, its unread ones move to the shared stream.
    func retire(worker: String) throws(OmnisegError) {
        let stream = QueueKeys.workerStream(worker)
        logger.warning("worker stopped heartbeating; moving its tasks", metadata: ["worker": "\(worker)"])
        try reclaim(stream: stream, minIdle: .zero, reason: "worker \(worker) stopped (heartbeat expired)")
        try connection.moveUnreadTasksToShared(from: stream)
        _ = try connection.pipeline([RedisCommand("SREM", QueueKeys.workers, worker), RedisCommand("DEL", QueueKeys.workerInfo(worker))])
    }

    /// Worker streams whose worker is not registered (it deregistered while a task was routed to it).
    func drainOrphanStreams() throws(OmnisegError) {
        let registered = Set((try connection.run("SMEMBERS", QueueKeys.workers).elements ?? []).compactMap(\.text))
        var cursor = "0"
        repeat {
            let reply = try connection.run("SCAN", cursor, "MATCH", QueueKeys.workerStream("*"), "COUNT", 1000).elements ?? []
            guard reply.count == 2 else { return }
            cursor = reply[0].text ?? "0"
            for key in (reply[1].elements ?? []).compactMap(\.text) {
                let worker = String(key.dropFirst(QueueKeys.workerStream("").count))
                if !registered.contains(worker) {
                    try reclaim(stream: key, minIdle: .zero, reason: "worker \(worker) is gone")
                    try connection.moveUnreadTasksToShared(from: key)
                }
            }
        } while cursor != "0"
    }

    /// Claims entries of `stream` idle longer than `minIdle` and retries them (or dead-letters them past the attempt limit).
    private func reclaim(stream: String, minIdle: Duration, reason: String) throws(OmnisegError) {
        let reply = try connection.pipeline([RedisCommand("XAUTOCLAIM", stream, QueueKeys.group, consumer, Int(minIdle.milliseconds), "0-0", "COUNT", 200)])[0]
        if let message = reply.errorMessage {
            if message.hasPrefix("NOGROUP") { return }
            throw RedisConnection.serverError(message, command: "XAUTOCLAIM", endpoint: connection.endpoint)
        }
        guard let parts = reply.elements, parts.count >= 2 else { return }
        for entry in parts[1].entries(of: stream) {
            let envelope = try? TaskEnvelope(decoding: entry.message)
            let outcome = try connection.failTask(entry, envelope: envelope, reason: envelope == nil ? "undecodable task message" : reason,
                                                  fatal: false, worker: "", retry: options.retry)
            // Counted in the job's record, when it is still there (a counter alone would make a record without an expiry).
            if let envelope, try connection.run("EXISTS", QueueKeys.job(envelope.jobID)).integer == 1 {
                try connection.run("HINCRBY", QueueKeys.job(envelope.jobID), "tasks_reclaimed", 1)
            }
            logger.info("reclaimed task", metadata: ["task": "\(envelope?.taskID ?? entry.id)", "reason": "\(reason)", "outcome": "\(outcome)"])
        }
    }

    /// Tasks still unread in a busy worker's stream after the locality wait go to the shared stream.
    private func moveTasksPastTheLocalityWait(_ live: [String]) throws(OmnisegError) {
        guard !live.isEmpty else { return }
        let cutoff = "\(JobQueueClient.nowMilliseconds() - options.localityWait.milliseconds)-0"
        let calls = live.map { ScriptCall(keys: [QueueKeys.workerStream($0), QueueKeys.sharedStream], arguments: [QueueKeys.group, cutoff, 200]) }
        for (worker, reply) in zip(live, try connection.evaluateAll(QueueScripts.moveWaiting, calls)) {
            if let message = reply.errorMessage { throw RedisConnection.serverError(message, command: "moveWaiting", endpoint: connection.endpoint) }
            if let moved = reply.integer, moved > 0 {
                try connection.run("HINCRBY", QueueKeys.statistics, "tasks_past_locality_wait", moved)
                logger.info("tasks waited past the locality wait; any worker may take them now",
                            metadata: ["worker": "\(worker)", "tasks": "\(moved)"])
            }
        }
    }

    private func promoteDueRetries() throws(OmnisegError) {
        let due = try connection.run("ZRANGEBYSCORE", QueueKeys.delayed, "-inf", JobQueueClient.nowMilliseconds(), "LIMIT", 0, 200).elements ?? []
        guard !due.isEmpty else { return }
        let calls = due.compactMap(\.bytes).map { member in
            ScriptCall(keys: [QueueKeys.delayed, QueueKeys.sharedStream], arguments: [member])
        }
        for reply in try connection.evaluateAll(QueueScripts.promote, calls) {
            if let message = reply.errorMessage { throw RedisConnection.serverError(message, command: "promote", endpoint: connection.endpoint) }
        }
    }
}
