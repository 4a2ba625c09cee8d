import Features
import Foundation
import JobRuntime
import Kernels
import Logging
import OmnisegCore
import QueueProtocol
import RedisClient
import Synchronization

/// A task read from a stream and not yet completed, failed or released.
struct InFlightTask: Sendable {
    let stream: String
    let entryID: String
    let message: [UInt8]
    let jobID: String
}

/// The `omniseg-worker` service: registers itself, runs task threads that read the shared and its own
/// affinity stream, renews leases and its heartbeat from a dedicated thread, and drains on SIGTERM.
package final class WorkerService: Sendable {
    let endpoint: RedisEndpoint
    let options: WorkerOptions
    let identity = WorkerIdentity()
    let logger: Logger
    let cache: ShardCache
    /// Jobs' per-shard data (for example interactions), beside the shards; half the shard budget.
    let dataCache: BlobCache<[UInt8]>
    /// Kinds and iteration states by content; states within half the shard budget.
    private let jobs: JobContextCache
    private let inFlight = Mutex<[String: InFlightTask]>([:])
    private let tasksDone = Atomic<Int>(0)
    private let runningThreads = Atomic<Int>(0)
    private let stopFetching = Atomic<Bool>(false)
    /// Set by the lease thread as it returns: deregistering before that could be undone by its next
    /// heartbeat (which adds the worker to the live set again).
    private let leaseStopped = Atomic<Bool>(false)
    /// A moving average of task run time in microseconds: tasks shorter than a round trip or two are
    /// read `prefetch` at a time (fewer round trips); longer ones one at a time, so a thread never
    /// sits on tasks another idle thread could run. Starts long.
    private let averageTaskMicroseconds = Atomic<Int>(1_000_000)
    private static let shortTaskMicroseconds = 200

    package init(endpoint: RedisEndpoint, options: WorkerOptions, logger: Logger) {
        self.endpoint = endpoint
        self.options = options
        self.logger = logger
        self.cache = ShardCache(budgetBytes: options.cacheBytes)
        self.dataCache = BlobCache(budgetBytes: options.cacheBytes / 2)
        self.jobs = JobContextCache(stateBudgetBytes: options.cacheBytes / 2)
    }

    /// Runs until SIGTERM/SIGINT; returns after draining and deregistering.
    package func run() throws(OmnisegError) {
        // A worker that never reached Redis gives up after the start-up wait (exit 69) instead of retrying forever.
        _ = try RedisConnection(endpoint: endpoint, options: .startup(wait: options.startupWait))
        let control = try RedisConnection(endpoint: endpoint, options: .service)
        try register(control)
        logger.info("worker started", metadata: ["worker": "\(identity.name)", "redis": "\(endpoint)",
                                                "concurrency": "\(options.concurrency)", "simd": "\(CPUFeatures.simdLevel)"])
        ServiceThread.start(name: "lease") { self.leaseLoop() }
        for index in 0..<options.concurrency {
            runningThreads.add(1, ordering: .relaxed)
            ServiceThread.start(name: "task-\(index)") {
                defer { self.runningThreads.subtract(1, ordering: .relaxed) }
                self.taskLoop()
            }
        }
        while !ShutdownSignal.requested { sleep(for: .milliseconds(50)) }
        logger.info("stopping: no new tasks; finishing in-flight ones", metadata: ["signal": "\(ShutdownSignal.name)", "in_flight": "\(inFlight.withLock { $0.count })"])
        stopFetching.store(true, ordering: .relaxed)
        let deadline = ContinuousClock.now + options.grace
        while runningThreads.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline { sleep(for: .milliseconds(20)) }
        releaseRemaining(control)
        let leaseDeadline = ContinuousClock.now + .seconds(3)
        while !leaseStopped.load(ordering: .acquiring) && ContinuousClock.now < leaseDeadline { sleep(for: .milliseconds(10)) }
        deregister(control)
        logger.info("worker stopped", metadata: ["tasks_done": "\(tasksDone.load(ordering: .relaxed))"])
    }

    // MARK: - Registration

    private func register(_ connection: RedisConnection) throws(OmnisegError) {
        try ensureGroups(connection)
        try connection.loadScripts([QueueScripts.complete, QueueScripts.fail, QueueScripts.release])
        var info = RedisCommand("HSET", QueueKeys.workerInfo(identity.name))
        for (k, v) in staticInfo() + dynamicInfo() { info.append(k); info.append(v) }
        let replies = try connection.pipeline([
            info,
            RedisCommand("SADD", QueueKeys.workers, identity.name),
            RedisCommand("SET", QueueKeys.heartbeat(identity.name), 1, "PX", heartbeatTTL),
        ])
        if let message = replies.compactMap(\.errorMessage).first {
            throw RedisConnection.serverError(message, command: "register", endpoint: endpoint)
        }
    }

    private func ensureGroups(_ connection: RedisConnection) throws(OmnisegError) {
        for stream in [QueueKeys.sharedStream, identity.stream] {
            let reply = try connection.pipeline([RedisCommand("XGROUP", "CREATE", stream, QueueKeys.group, "0", "MKSTREAM")])[0]
            if let message = reply.errorMessage, !message.hasPrefix("BUSYGROUP") {
                throw RedisConnection.serverError(message, command: "XGROUP CREATE", endpoint: endpoint)
            }
        }
    }

    private var heartbeatTTL: Int { Int(max(options.leaseTimeout.milliseconds, 1000)) }

    private func staticInfo() -> [(String, String)] {
        [("host", identity.host), ("pid", "\(identity.pid)"), ("cores", "\(CPUFeatures.cores)"), ("concurrency", "\(options.concurrency)"),
         ("simd", CPUFeatures.simdLevel), ("kernels", KernelVariant.best.rawValue), ("version", OmnisegVersion.current), ("stream", identity.stream),
         ("started_at", "\(JobQueueClient.now())")]
    }

    private func dynamicInfo() -> [(String, String)] {
        let stats = cache.statistics
        return [("tasks_done", "\(tasksDone.load(ordering: .relaxed))"), ("cached_shards", "\(stats.shards)"),
                ("cached_bytes", "\(stats.bytes)"), ("bytes_read", "\(stats.bytesLoaded)"), ("last_heartbeat", "\(JobQueueClient.nowMilliseconds())")]
    }

    private func deregister(_ connection: RedisConnection) {
        do throws(OmnisegError) {
            _ = try connection.pipeline([
                RedisCommand("DEL", QueueKeys.heartbeat(identity.name)),
                RedisCommand("SREM", QueueKeys.workers, identity.name),
                RedisCommand("DEL", QueueKeys.workerInfo(identity.name)),
            ])
            // Tasks routed here but never read go back to the shared stream.
            try connection.moveUnreadTasksToShared(from: identity.stream)
        } catch {
            logger.warning("could not deregister cleanly; the coordinator will reclaim what is left", metadata: ["error": "\(error)"])
        }
    }

    /// After the grace period: give every task still in flight back for immediate pickup.
    private func releaseRemaining(_ connection: RedisConnection) {
        let remaining = inFlight.withLock { Array($0.values) }
        guard !remaining.isEmpty else { return }
        let calls = remaining.map { task in
            ScriptCall(keys: [task.stream, QueueKeys.sharedStream], arguments: [QueueKeys.group, task.entryID, task.message])
        }
        do throws(OmnisegError) {
            let replies = try connection.evaluateAll(QueueScripts.release, calls)
            logger.info("released unfinished tasks", metadata: ["count": "\(replies.filter { $0.integer == 1 }.count)"])
        } catch {
            logger.warning("could not release unfinished tasks; their leases will lapse", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Leases and heartbeat

    private func leaseLoop() {
        var connection: RedisConnection?
        // Renew well within the lease, and refresh the heartbeat and counters at least every second
        // so `omniseg workers` is current.
        let period = max(min(options.leaseTimeout / 4, .seconds(1)), .milliseconds(50))
        defer { leaseStopped.store(true, ordering: .releasing) }
        // Looked at before each renewal, not only after: a renewal after the drain would register the
        // worker again.
        while !drained {
            do throws(OmnisegError) {
                if connection == nil { connection = try RedisConnection(endpoint: endpoint, options: .service) }
                guard let connection else { continue }
                let tasks = inFlight.withLock { Array($0.values) }
                var commands = tasks.map { RedisCommand("XCLAIM", $0.stream, QueueKeys.group, identity.name, 0, $0.entryID, "JUSTID") }
                let jobIDs = Array(Set(tasks.map(\.jobID)))
                commands += jobIDs.map(JobContextCache.JobView.query)
                var info = RedisCommand("HSET", QueueKeys.workerInfo(identity.name))
                for (k, v) in staticInfo() + dynamicInfo() { info.append(k); info.append(v) }
                commands += [RedisCommand("SET", QueueKeys.heartbeat(identity.name), 1, "PX", heartbeatTTL), info,
                             RedisCommand("SADD", QueueKeys.workers, identity.name)]
                let replies = try connection.pipeline(commands)
                for (i, jobID) in jobIDs.enumerated() {
                    jobs.update(jobID, .init(reply: replies[tasks.count + i]))
                }
            } catch {
                logger.warning("lease renewal failed; retrying", metadata: ["error": "\(error)"])
                connection = nil
            }
            if drained { return }
            sleep(for: period)
        }
    }

    /// Whether the worker stopped fetching and its task threads have all returned.
    private var drained: Bool { stopFetching.load(ordering: .relaxed) && runningThreads.load(ordering: .relaxed) == 0 }

    // MARK: - Tasks

    private func taskLoop() {
        var connection: RedisConnection?
        var lastWarning = ContinuousClock.now - .seconds(60)
        while !stopFetching.load(ordering: .relaxed) {
            do throws(OmnisegError) {
                if connection == nil {
                    var socket = RedisConnectionOptions.service
                    socket.socketTimeout = options.readBlock + .seconds(10)
                    let made = try RedisConnection(endpoint: endpoint, options: socket)
                    try ensureGroups(made)
                    connection = made
                }
                guard let connection else { continue }
                var batch = CompletionBatch()
                // Sent, or its connection failed: then the leases lapse and the janitor retries the
                // tasks, whose results are deterministic. Either way they are no longer in flight here.
                defer { forget(batch.take()) }
                var entries = try read(connection)
                while !entries.isEmpty {
                    for entry in entries {
                        if let completion = try handle(entry, connection: connection) { batch.add(completion) }
                        if batch.isDue { try send(&batch, connection: connection) }
                    }
                    // The last completions and a look for more tasks in one round trip: an iteration's
                    // next task routed here is usually waiting already.
                    entries = try send(&batch, connection: connection, thenRead: !stopFetching.load(ordering: .relaxed))
                }
            } catch {
                if error.message.contains("NOGROUP") {
                    connection = nil
                } else if error.code == .unavailable || error.code == .timeout {
                    connection = nil
                } else if error.code == .authFailed {
                    logger.error("Redis refused the credentials; stopping", metadata: ["error": "\(error)"])
                    stopFetching.store(true, ordering: .relaxed)
                    return
                }
                if ContinuousClock.now - lastWarning > .seconds(5) {
                    logger.warning("task loop error; retrying", metadata: ["error": "\(error)"])
                    lastWarning = ContinuousClock.now
                }
                sleep(for: .milliseconds(200))
            }
        }
    }

    private func read(_ connection: RedisConnection) throws(OmnisegError) -> [StreamEntry] {
        try connection.run(readCommand(blocking: true)).streamEntries
    }

    /// Reads new tasks from this worker's stream and the shared one: several when tasks are short, or
    /// when the worker has one task thread (it runs what it reads in turn anyway, and tasks routed to
    /// it wait for it whichever way it reads them); `blocking` waits up to the read block for one.
    private func readCommand(blocking: Bool) -> RedisCommand {
        let short = averageTaskMicroseconds.load(ordering: .relaxed) < Self.shortTaskMicroseconds
        let count = short || options.concurrency == 1 ? options.prefetch : 1
        var command = RedisCommand("XREADGROUP", "GROUP", QueueKeys.group, identity.name, "COUNT", count)
        if blocking {
            command.append("BLOCK")
            command.append(Int(options.readBlock.milliseconds))
        }
        for argument in ["STREAMS", identity.stream, QueueKeys.sharedStream, ">", ">"] { command.append(argument) }
        return command
    }

    /// Runs one task. Returns its completion, to be sent with the batch (the task stays in flight, its
    /// lease renewed, until then), or nil when the entry was dropped, failed or dead-lettered here.
    private func handle(_ entry: StreamEntry, connection: RedisConnection) throws(OmnisegError) -> Completion? {
        let message = entry.message
        let envelope: TaskEnvelope
        do throws(OmnisegError) {
            envelope = try TaskEnvelope(decoding: message)
        } catch {
            logger.error("dead-lettering an undecodable task message", metadata: ["stream": "\(entry.stream)", "entry": "\(entry.id)", "error": "\(error)"])
            try connection.failTask(entry, envelope: nil, reason: error.message, fatal: true, worker: identity.name, retry: options.retry)
            return nil
        }
        let key = entry.stream + "|" + entry.id
        inFlight.withLock { $0[key] = InFlightTask(stream: entry.stream, entryID: entry.id, message: message, jobID: envelope.jobID) }
        var completed = false
        defer { if !completed { _ = inFlight.withLock { $0.removeValue(forKey: key) } } }

        let view = try jobs.view(of: envelope.jobID, connection: connection)
        guard view.state == JobState.running.rawValue, !view.cancelled, view.iteration <= envelope.iteration else {
            // Cancelled, finished or stale (the job is past the task's iteration): drop the message
            // without running it. A stale result that slips through is refused by the complete script.
            try connection.discardTask(entry)
            return nil
        }
        let partial: [UInt8]
        var bytesRead = 0
        do throws(OmnisegError) {
            let start = ContinuousClock.now
            partial = try execute(envelope, connection: connection, bytesRead: &bytesRead)
            let micros = Int((ContinuousClock.now - start).inSeconds * 1e6)
            let average = averageTaskMicroseconds.load(ordering: .relaxed)
            averageTaskMicroseconds.store(average - average / 4 + micros / 4, ordering: .relaxed)
        } catch {
            try fail(entry, envelope: envelope, error: error, connection: connection)
            return nil
        }
        completed = true
        let framed = WireFrame(.partial, payload: partial).encoded
        return Completion(inFlightKey: key, taskID: envelope.taskID, call: ScriptCall(
            keys: [QueueKeys.job(envelope.jobID), QueueKeys.results(envelope.jobID, iteration: envelope.iteration), entry.stream,
                   QueueKeys.completed(envelope.jobID)],
            arguments: [QueueKeys.group, entry.id, envelope.task.index, envelope.iteration, framed, bytesRead]))
    }

    /// Sends the batch's completions in one pipeline and takes them off the in-flight list; with
    /// `thenRead`, the same pipeline ends with a non-blocking read of new tasks, whose entries it returns.
    @discardableResult
    private func send(_ batch: inout CompletionBatch, connection: RedisConnection, thenRead: Bool = false) throws(OmnisegError) -> [StreamEntry] {
        let next = thenRead ? readCommand(blocking: false) : nil
        guard !batch.completions.isEmpty else {
            guard let next else { return [] }
            return try connection.run(next).streamEntries
        }
        let (replies, read) = try connection.evaluateAll(QueueScripts.complete, batch.completions.map(\.call), then: next)
        if let message = read?.errorMessage { throw RedisConnection.serverError(message, command: "XREADGROUP", endpoint: endpoint) }
        for (completion, reply) in zip(batch.completions, replies) {
            if let message = reply.errorMessage { throw RedisConnection.serverError(message, command: "complete", endpoint: endpoint) }
            if reply.integer == -2 { logger.debug("duplicate result ignored", metadata: ["task": "\(completion.taskID)"]) }
        }
        tasksDone.add(batch.completions.count, ordering: .relaxed)
        forget(batch.take())
        return read?.streamEntries ?? []
    }

    private func forget(_ completions: [Completion]) {
        guard !completions.isEmpty else { return }
        inFlight.withLock { tasks in for c in completions { tasks[c.inFlightKey] = nil } }
    }

    /// Runs the task; `bytesRead` gets the input bytes fetched from Redis (0 when the cache had them).
    private func execute(_ envelope: TaskEnvelope, connection: RedisConnection, bytesRead: inout Int) throws(OmnisegError) -> [UInt8] {
        let kind = try jobs.kind(of: envelope, connection: connection)
        let state = try jobs.state(envelope.state, inline: envelope.inlineState, of: kind, connection: connection)
        let descriptor = envelope.task
        let shard = try descriptor.features.map { features throws(OmnisegError) -> FeatureShard in
            try cache.value(for: features.blob) { () throws(OmnisegError) -> FeatureShard in
                let bytes = try BlobStore(connection: connection).get(features.blob)
                bytesRead += bytes.count
                return try features.decode(bytes)
            }
        }
        let data = try descriptor.data.map { reference throws(OmnisegError) -> [UInt8] in
            try dataCache.value(for: reference) { () throws(OmnisegError) -> [UInt8] in
                let bytes = try BlobStore(connection: connection).get(reference)
                bytesRead += bytes.count
                return bytes
            }
        }
        let input = try TaskInput(index: descriptor.index, shard: shard, data: data, as: kind.inputs.kind)
        if options.taskDelay > .zero { sleep(for: options.taskDelay) }
        let jobID = envelope.jobID
        let jobs = self.jobs
        return try kind.runTask(input: input, iteration: envelope.iteration, stateBody: state,
                                cancellation: CancellationCheck { jobs.isStopped(jobID) })
    }

    private func fail(_ entry: StreamEntry, envelope: TaskEnvelope, error: OmnisegError, connection: RedisConnection) throws(OmnisegError) {
        if error.code == .cancelled {
            try connection.discardTask(entry)
            return
        }
        let outcome = try connection.failTask(entry, envelope: envelope, reason: error.description, fatal: FailureClass(error) == .fatal,
                                              worker: identity.name, retry: options.retry)
        logger.warning(outcome == 2 ? "task dead-lettered" : "task failed; will retry",
                       metadata: ["task": "\(envelope.taskID)", "attempt": "\(envelope.attempt)", "error": "\(error)"])
    }
}

/// A finished task's completion (the `complete` script call), waiting to be sent with its batch.
struct Completion {
    let inFlightKey: String
    let taskID: String
    let call: ScriptCall
}

/// Completions of the tasks of one read sent together: one round trip (and one Redis event-loop pass,
/// one wake-up of the coordinator) for the batch instead of one per task. A batch is due 20 ms after
/// its first completion, so a long task holds back the results of those before it by little, and a
/// round trip costs at most about 1 % of the work between two.
struct CompletionBatch {
    static let maxDelay: Duration = .milliseconds(20)
    private(set) var completions: [Completion] = []
    private var firstAt: ContinuousClock.Instant?

    mutating func add(_ completion: Completion) {
        if completions.isEmpty { firstAt = .now }
        completions.append(completion)
    }

    var isDue: Bool { firstAt.map { ContinuousClock.now - $0 >= Self.maxDelay } ?? false }

    /// Empties the batch and returns what it held.
    mutating func take() -> [Completion] {
        defer { completions = []; firstAt = nil }
        return completions
    }
}
