import FeatureStore
import Features
import Foundation
import JobKinds
import JobRuntime
import Logging
import OmnisegCore
import QueueProtocol
import RedisClient
import Synchronization
import Workspace
import WorkspaceJobs

/// The coordinator of one workspace: holds its leader lock, picks up the jobs submitted for it, runs
/// each on its own thread through the Redis transport, and writes results to Redis and the workspace.
/// State lives in Redis (job hash, iteration states, results) so a restarted coordinator resumes.
package final class ClusterCoordinator: Sendable {
    let endpoint: RedisEndpoint
    let workspacePath: String
    let workspaceID: String
    let options: CoordinatorOptions
    let logger: Logger
    let owner: String
    let state = CoordinatorState()
    private let active = Mutex<Set<String>>([])
    private let matrices = Mutex<[Int64: FeatureMatrix]>([:])

    package init(endpoint: RedisEndpoint, workspacePath: String, workspaceID: String, options: CoordinatorOptions, logger: Logger) {
        self.endpoint = endpoint
        self.workspacePath = workspacePath
        self.workspaceID = workspaceID
        self.options = options
        self.logger = logger
        owner = "\(CPUFeatures.hostName)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// Serves the workspace until SIGTERM/SIGINT, or until job `until` (when given) has finished.
    package func run(until: String? = nil) throws(OmnisegError) {
        // A coordinator that never reached Redis gives up after the start-up wait instead of retrying forever.
        _ = try RedisConnection(endpoint: endpoint, options: .startup(wait: options.startupWait))
        let connection = try RedisConnection(endpoint: endpoint, options: .service)
        try connection.loadScripts([QueueScripts.fail, QueueScripts.promote, QueueScripts.fencedSet, QueueScripts.startJob, QueueScripts.lead,
                                    QueueScripts.resign, QueueScripts.moveWaiting])
        _ = try connection.pipeline([RedisCommand("XGROUP", "CREATE", QueueKeys.sharedStream, QueueKeys.group, "0", "MKSTREAM")])
        let janitor = QueueJanitor(connection: connection, state: state, workspaceID: workspaceID, owner: owner, options: options, logger: logger)
        var waited = false
        while true {
            let epoch = try janitor.lead()
            if epoch > 0 { state.lead(epoch: epoch); break }
            if let until {
                // Another coordinator serves the workspace: it runs the job; follow it there (and take
                // the lock, and the job with it, should that coordinator go away first).
                if !waited {
                    logger.notice("another coordinator serves this workspace; it runs the job, followed here",
                                  metadata: ["workspace": "\(workspaceID)", "job.id": "\(until)"])
                }
                if try JobQueueClient(connection: connection).state(of: until).isFinished { return }
            } else if !waited {
                logger.info("another coordinator holds this workspace; waiting for its lock", metadata: ["workspace": "\(workspaceID)"])
            }
            waited = true
            if ShutdownSignal.requested { return }
            sleep(for: until == nil ? options.leaderLease / 4 : .milliseconds(100))
        }
        logger.info("coordinator leads the workspace", metadata: ["workspace": "\(workspaceID)", "epoch": "\(state.epoch)", "redis": "\(endpoint)"])
        try connection.run("HSET", QueueKeys.workspaces, workspaceID, "\(CPUFeatures.hostName):\(workspacePath)")
        let janitorDone = Atomic<Bool>(false)
        ServiceThread.start(name: "janitor") {
            defer { janitorDone.store(true, ordering: .relaxed) }
            self.housekeeping()
        }
        defer {
            state.stop()
            while !janitorDone.load(ordering: .relaxed) { sleep(for: .milliseconds(10)) }
            while !active.withLock({ $0.isEmpty }) { sleep(for: .milliseconds(10)) }
            janitor.resign()
        }
        let recovery = LostJobRecovery(connection: connection, ledger: JobLedger(workspace: try Workspace(path: workspacePath)),
                                       workspaceID: workspaceID, logger: logger)
        var recorded = Set<String>()
        var lastRecovery = ContinuousClock.now - .seconds(60)
        while !ShutdownSignal.requested && state.isLeader {
            do throws(OmnisegError) {
                if ContinuousClock.now - lastRecovery > .seconds(1) {
                    // Before looking at the queue: a job lost from Redis is queued again under its id.
                    try recovery.requeueLost(active: active.withLock { $0 })
                    lastRecovery = ContinuousClock.now
                }
                if let until, try JobQueueClient(connection: connection).state(of: until).isFinished { return }
                try startQueuedJobs(connection, recovery: recovery, recorded: &recorded)
            } catch where error.code == .unavailable || error.code == .timeout {
                logger.warning("Redis unavailable; retrying", metadata: ["error": "\(error)"])
            }
            sleep(for: .milliseconds(100))
        }
        if !state.isLeader { throw OmnisegError(.fenced, "lost the leader lock of workspace \(workspaceID)") }
    }

    private func housekeeping() {
        var connection: RedisConnection?
        var lastOrphanSweep = ContinuousClock.now - .seconds(60)
        var lastLead = ContinuousClock.now
        while !state.stopping {
            do throws(OmnisegError) {
                if connection == nil { connection = try RedisConnection(endpoint: endpoint, options: .service) }
                guard let connection else { continue }
                let janitor = QueueJanitor(connection: connection, state: state, workspaceID: workspaceID, owner: owner, options: options, logger: logger)
                if ContinuousClock.now - lastLead > options.leaderLease / 4 {
                    let epoch = try janitor.lead()
                    if epoch > 0 && epoch != state.epoch {
                        // The lock lapsed (e.g. Redis was down longer than its TTL) and no one else holds it: take the new epoch.
                        logger.warning("re-acquired the workspace lock with a new epoch", metadata: ["epoch": "\(epoch)"])
                        state.lead(epoch: epoch)
                    } else if epoch == 0 {
                        logger.error("lost the workspace leader lock; stopping", metadata: ["workspace": "\(workspaceID)"])
                        state.lead(epoch: 0)
                        return
                    }
                    lastLead = ContinuousClock.now
                }
                try janitor.sweep()
                if ContinuousClock.now - lastOrphanSweep > .seconds(5) {
                    try janitor.drainOrphanStreams()
                    lastOrphanSweep = ContinuousClock.now
                }
            } catch {
                logger.warning("housekeeping failed; retrying", metadata: ["error": "\(error)"])
                connection = nil
            }
            sleep(for: .milliseconds(100))
        }
    }

    /// Starts the workspace's queued (and orphaned running) jobs, up to the limit, after recording
    /// each in the workspace's ledger with its spec (`recorded`: those recorded by this coordinator).
    private func startQueuedJobs(_ connection: RedisConnection, recovery: LostJobRecovery, recorded: inout Set<String>) throws(OmnisegError) {
        let ids = (try connection.run("ZRANGE", QueueKeys.workspaceJobs(workspaceID), 0, -1).elements ?? []).compactMap(\.text)
        let running = active.withLock { $0 }
        let candidates = ids.filter { !running.contains($0) }
        guard !candidates.isEmpty else { return }
        let states = try connection.pipeline(candidates.map { RedisCommand("HGET", QueueKeys.job($0), "state") })
        let unfinished = zip(candidates, states).filter { $0.1.text == JobState.queued.rawValue || $0.1.text == JobState.running.rawValue }.map(\.0)
        recorded.formUnion(try recovery.record(queued: unfinished, recorded: recorded))
        for id in unfinished {
            let started = active.withLock { set -> Bool in
                guard set.count < options.maxJobs else { return false }
                set.insert(id)
                return true
            }
            guard started else { return }
            ServiceThread.start(name: "job-\(id)") {
                defer { _ = self.active.withLock { $0.remove(id) } }
                self.runJob(id)
            }
        }
    }

    /// Runs one job to its end on this thread.
    private func runJob(_ jobID: String) {
        var metadata: Logger.Metadata = ["job.id": "\(jobID)"]
        var connection: RedisConnection?
        do throws(OmnisegError) {
            let redis = try RedisConnection(endpoint: endpoint, options: .service)
            connection = redis
            let fields = try redis.run("HMGET", QueueKeys.job(jobID), "spec", "plan").elements ?? []
            guard let specBytes = fields.first?.bytes else { throw OmnisegError(.recordLost, "job \(jobID) has no spec in Redis") }
            let spec = try JobSpec(decoding: specBytes)
            metadata["job.kind"] = "\(spec.kind)"
            let workspace = try Workspace(path: workspacePath)
            let plan: JobPlan
            let matrix: FeatureMatrix?
            let kind: any JobKind
            var preparation: PreparedJob?
            if fields.count > 1, let planBytes = fields[1].bytes {
                plan = try JobPlan(decoding: planBytes)
                matrix = try plan.featureSetID.map { id throws(OmnisegError) in try loadMatrix(workspace, setID: id) }
                kind = try JobKindRegistry.make(spec.kind, columnNames: plan.columnNames, parameters: spec.parameters)
                logger.info("resuming job", metadata: metadata)
                try redis.run("HINCRBY", QueueKeys.job(jobID), "resumes", 1)
            } else {
                // A job cancelled while it waited never starts (checked again atomically below).
                guard try JobQueueClient(connection: redis).state(of: jobID) == .queued else {
                    throw OmnisegError(.cancelled, "job \(jobID) was cancelled before it started")
                }
                let readsFeatures = try JobKindRegistry.descriptor(spec.kind).input.readsFeatures
                matrix = readsFeatures ? try loadMatrix(workspace, setID: try spec.parameters.value(CommonParameters.featureSet)) : nil
                kind = try JobKindRegistry.make(spec.kind, columnNames: matrix?.names ?? [], parameters: spec.parameters)
                let prepared = try WorkspaceJobs.prepare(kind, in: workspace, matrix: matrix)
                preparation = prepared
                plan = try publish(prepared, matrix: matrix, connection: redis)
                try redis.run("HSET", QueueKeys.job(jobID), "plan", plan.encoded, "shard_bytes", plan.inputBytes)
                if options.startDelay > .zero { sleep(for: options.startDelay) }
                guard try startRunning(jobID, connection: redis) else {
                    throw OmnisegError(.cancelled, "job \(jobID) was cancelled before it started")
                }
                logger.info("job started", metadata: metadata.merging(["job.tasks": "\(plan.tasks.count)"]) { $1 })
            }
            let ledger = JobLedger(workspace: workspace)
            // With its spec, so a Redis that loses the job from here on has it queued again (LostJobRecovery).
            try ledger.start(id: jobID, kind: spec.kind, parameters: spec.parameters, mode: "cluster", submittedAt: spec.submittedAt,
                             featureSet: plan.featureSetID, spec: specBytes)
            // The workers wait while the coordinator merges: it may use every core of its host.
            let driver = JobDriver(jobID: jobID, kind: kind, shardCount: plan.tasks.count,
                                   mergeThreads: ProcessInfo.processInfo.activeProcessorCount)
            let started = IterationStarts()
            let transport = RedisTransport(connection: redis, state: state, jobID: jobID, kind: spec.kind, plan: plan,
                                           context: JobContext.digest(spec: spec, plan: plan), lostTaskCheck: options.leaseTimeout,
                                           retentionSeconds: Int(options.retention.inSeconds), started: started, logger: logger)
            let deferred = DeferredWrites()
            defer { deferred.flush(redis) }
            let checkpoints = RedisCheckpoints(connection: redis, state: state, jobID: jobID, workspaceID: workspaceID, shardCount: plan.tasks.count,
                                               retentionSeconds: Int(options.retention.inSeconds), deferred: deferred,
                                               started: started)
            var lastEvent = ContinuousClock.now - .seconds(1)
            var result: [UInt8] = []
            while true {
                do throws(OmnisegError) {
                    result = try driver.run(transport: transport, checkpoints: checkpoints,
                                            firstState: { () throws(OmnisegError) in
                        if let preparation { return preparation.state }
                        return try WorkspaceJobs.prepare(kind, in: workspace, matrix: matrix).state
                    }) { iteration, done, total in
                        guard done == total || ContinuousClock.now - lastEvent > .milliseconds(200) else { return }
                        lastEvent = ContinuousClock.now
                        let progress = kind.progress(iteration: iteration, tasksDone: done, tasksTotal: total)
                        let event = RedisCommand("XADD", QueueKeys.events(jobID), "MAXLEN", "~", 1000, "*", "state", "running",
                                                 "iteration", iteration, "done", done, "total", total,
                                                 "unit", progress.unit, "units_done", progress.done, "units_total", progress.total)
                        // An iteration's last event waits for the next iteration's first pipeline.
                        if done == total { deferred.append(event) } else { _ = try? redis.run(event) }
                    } timing: { timing in
                        // Informational (status, bench): a resumed iteration counts from the resume.
                        deferred.append(RedisCommand("HSET", QueueKeys.job(jobID), "iteration_seconds:\(timing.iteration)", Format.fixed(timing.seconds, 6)))
                    }
                    break
                } catch where (error.code == .unavailable || error.code == .timeout) && !state.stopping {
                    // Redis went away: resume from the checkpoint once it is back (the connection reconnects with backoff).
                    logger.warning("Redis unavailable; the job resumes from its checkpoint", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                    sleep(for: .milliseconds(500))
                }
            }
            deferred.flush(redis)
            try WorkspaceJobs.store(kind, result: result, jobID: jobID, matrix: matrix, in: workspace)
            try finish(jobID, state: .succeeded, result: result, error: nil, connection: redis, ledger: ledger)
            logger.info("job succeeded", metadata: metadata)
        } catch where error.code == .fenced {
            logger.warning("job left for the next leader", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        } catch where error.code == .recordLost {
            // The workspace still has the job as running, with its spec: LostJobRecovery queues it again.
            logger.warning("job's record lost from Redis; it is queued again from the workspace", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        } catch {
            let final: JobState = error.code == .cancelled ? .cancelled : .failed
            logger.log(level: final == .cancelled ? .info : .error, "job \(final.rawValue)", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            do throws(OmnisegError) {
                let redis: RedisConnection
                if let connection { redis = connection } else { redis = try RedisConnection(endpoint: endpoint, options: .service) }
                let ledger = try JobLedger(workspace: Workspace(path: workspacePath))
                try finish(jobID, state: final, result: nil, error: final == .cancelled ? nil : error.description, connection: redis, ledger: ledger)
            } catch {
                logger.error("could not record the job's end", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
    }

    /// Marks job `jobID` running; false when it was cancelled meanwhile (it must not run).
    private func startRunning(_ jobID: String, connection: RedisConnection) throws(OmnisegError) -> Bool {
        let reply = try connection.evaluate(QueueScripts.startJob, keys: [QueueKeys.epoch(workspaceID), QueueKeys.job(jobID)],
                                            arguments: [state.epoch, JobQueueClient.now()])
        switch reply.integer {
        case 1: return true
        case -1: return false
        default: throw OmnisegError(.fenced, "another coordinator now leads workspace \(workspaceID); this one does not start job \(jobID)")
        }
    }

    private func finish(_ jobID: String, state final: JobState, result: [UInt8]?, error: String?, connection: RedisConnection, ledger: JobLedger) throws(OmnisegError) {
        let now = JobQueueClient.now()
        var fields = ["state": final.rawValue, "finished_at": "\(now)"]
        if let error { fields["error"] = error }
        // The workspace first: once Redis says the job ended, its result is already in the workspace.
        try ledger.finish(id: jobID, state: final, result: result, error: error, at: now)
        if let result {
            try connection.run("HSET", QueueKeys.job(jobID), "result", result)
        }
        try fencedSet(connection: connection, state: state, workspaceID: workspaceID, jobID: jobID, fields)
        let iteration = Int(try connection.run("HGET", QueueKeys.job(jobID), "iteration").integer ?? 0)
        let ttl = Int(options.retention.milliseconds / 1000)
        var cleanup = [RedisCommand("XADD", QueueKeys.events(jobID), "MAXLEN", "~", 1000, "*", "state", final.rawValue, "iteration", iteration)]
        for i in 0...iteration {
            cleanup.append(RedisCommand("DEL", QueueKeys.results(jobID, iteration: i), QueueKeys.dispatched(jobID, iteration: i)))
        }
        cleanup.append(RedisCommand("DEL", QueueKeys.completed(jobID)))
        cleanup.append(RedisCommand("EXPIRE", QueueKeys.job(jobID), ttl))
        cleanup.append(RedisCommand("EXPIRE", QueueKeys.events(jobID), ttl))
        _ = try connection.pipeline(cleanup)
    }

    /// Uploads the tasks' inputs, feature shards and the kind's data, as blobs (skipping those already
    /// there) and returns the plan that names them.
    private func publish(_ prepared: PreparedJob, matrix: FeatureMatrix?, connection: RedisConnection) throws(OmnisegError) -> JobPlan {
        let store = BlobStore(connection: connection)
        var tasks: [TaskInputDescriptor] = []
        for (i, task) in prepared.tasks.enumerated() {
            let features = try task.shard.map { shard throws(OmnisegError) in
                TaskInputDescriptor.FeatureShardReference(shard: shard, blob: try store.put(shard.bytes).reference)
            }
            let data = try task.data.map { bytes throws(OmnisegError) in
                try bytes.withUnsafeBytes { raw in Result { () throws(OmnisegError) in try store.put(raw).reference } }.get()
            }
            tasks.append(TaskInputDescriptor(index: i, features: features, data: data))
        }
        return try JobPlan(input: prepared.input, featureSetID: matrix?.setID, columnNames: matrix?.names ?? [], tasks: tasks)
    }

    private func loadMatrix(_ workspace: Workspace, setID: Int64?) throws(OmnisegError) -> FeatureMatrix {
        var id = setID
        if id == nil { id = try FeatureStore(workspace: workspace).defaultSetID() }
        if let id, let cached = matrices.withLock({ $0[id] }) { return cached }
        let matrix = try FeatureStore(workspace: workspace).load(setID: id)
        matrices.withLock { $0 = [matrix.setID: matrix] }
        return matrix
    }
}
