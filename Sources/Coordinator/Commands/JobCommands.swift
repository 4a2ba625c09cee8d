import ArgumentParser
import Foundation
import JobKinds
import JobRuntime
import Logging
import OmnisegCore
import QueueProtocol
import Workspace
import WorkspaceJobs

/// `omniseg submit`: queue a job for the workspace's coordinator and print its id.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Queue a job on Redis for the coordinator of a workspace; prints the job id at once.",
        discussion: "Kinds: \(JobKindRegistry.names.joined(separator: ", ")). A kind's parameters are its options (--bins 10) or --param name=value; `omniseg kinds KIND` lists them.")

    @Argument(help: "The job kind.") var kind: String
    @Option(name: .customLong("param"), help: "A job parameter, name=value (repeatable).") var parameters: [String] = []
    @Option(name: .customLong("workspace-id"), help: "The workspace's id (default: read from --workspace).") var workspaceID: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var queue: QueueOptions
    @Argument(parsing: .allUnrecognized, help: "The kind's own options, like --k 8 (see `omniseg kinds KIND`).") var options: [String] = []

    func run() throws {
        let descriptor = try exiting { () throws(OmnisegError) in try JobKindRegistry.descriptor(kind) }
        let given = try KindArguments.parameters(options, pairs: parameters, kind: descriptor, workspace: workspace)
        let client = try queue.client(for: "submit")
        // With the workspace file at hand (no --workspace-id), the default feature set is pinned and the
        // job numbered above the workspace's highest.
        let ws = try workspaceID == nil ? exiting { () throws(OmnisegError) in try Workspace(path: workspace.workspace) } : nil
        let id = try workspaceID ?? exiting { () throws(OmnisegError) in try ws?.id ?? "" }
        let spec = try exiting { () throws(OmnisegError) in
            var parsed = given
            if let ws { parsed = try FeatureSetDefault.pinned(parsed, kind: kind, workspace: ws) }
            return try JobSubmission.submit(kind, parameters: parsed, workspaceID: id, workspace: ws, client: client)
        }
        print(queue.json ? JSONText.object([("id", JSONText.quoted(spec.id)), ("workspace", JSONText.quoted(id))]) : spec.id)
        JobSubmission.warnIfNothingCanRun(spec, client: client, needsCoordinator: true)
    }
}

/// `omniseg status`: one job's record, or the workspace's recent jobs.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a job's state, or the recent jobs of the workspace.")

    @Argument(help: "A job id (default: list recent jobs).") var job: String?
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var queue: QueueOptions

    func run() throws {
        if try queue.endpoint() != nil {
            let client = try queue.client(for: "status")
            if let job {
                let record = try exiting { () throws(OmnisegError) in try client.record(job) }
                let problems = record.state.isFinished ? []
                    : (try? client.readiness(workspaceID: record.workspaceID).problems(workspaceID: record.workspaceID)) ?? []
                print(queue.json ? record.json : Self.line(record) + problems.map { "\n  waiting: \($0)" }.joined())
                if queue.json { for p in problems { StandardError.write("warning: \(job) is waiting: \(p)\n") } }
                throw ExitStatus.of(record.state) == .success || !record.state.isFinished ? ExitCode.success : ExitStatus.of(record.state)
            }
            let wsID = try exiting { () throws(OmnisegError) in try Workspace(path: workspace.workspace).id }
            let records = try exiting { () throws(OmnisegError) in try client.jobs(workspaceID: wsID).map { id throws(OmnisegError) in try client.record(id) } }
            print(queue.json ? "[" + records.map(\.json).joined(separator: ",") + "]" : records.map(Self.line).joined(separator: "\n"))
            return
        }
        let ledger = JobLedger(workspace: try workspace.open())
        let entries = try exiting { () throws(OmnisegError) in
            if let job { return [try ledger.existing(job)] }
            return try ledger.recent()
        }
        for e in entries {
            print(queue.json
                  ? JSONText.object([("id", JSONText.quoted(e.id)), ("kind", JSONText.quoted(e.kind)), ("state", JSONText.quoted(e.state)),
                                     ("mode", JSONText.quoted(e.mode)), ("error", e.error.map(JSONText.quoted) ?? "null")])
                  : "\(e.id)  \(e.kind)  \(e.state)  \(e.mode)\(e.error.map { "  error: \($0)" } ?? "")")
        }
    }

    static func line(_ r: JobRecord) -> String {
        var text = "\(r.id)  \(r.kind)  \(r.state.rawValue)  iteration \(r.iteration)  tasks \(r.tasksDone)/\(r.tasksTotal)"
        if r.cancelRequested && !r.state.isFinished { text += "  (cancel requested)" }
        if r.shardBytes > 0 {
            let read = r.shardBytesRead.enumerated().map { "\($0.offset): \(ByteCount.text($0.element))" }.joined(separator: ", ")
            text += "\n  shard data \(ByteCount.text(r.shardBytes)); read from Redis per iteration: \(read)"
        }
        if !r.iterationSeconds.isEmpty {
            text += "\n  seconds per iteration: " + r.iterationSeconds.enumerated().map { "\($0.offset): \(Format.fixed($0.element, 3))" }.joined(separator: ", ")
        }
        if r.resumes > 0 || r.tasksRedispatched > 0 {
            text += "\n  resumed by another coordinator \(r.resumes) time(s); \(r.tasksRedispatched) lost task(s) dispatched again"
        }
        if r.requeued { text += "\n  queued again from the workspace after Redis lost its record; it ran from the start" }
        if let e = r.error { text += "\n  error: \(e)" }
        return text
    }
}

/// `omniseg watch`: follow a job's progress until it ends.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Follow a job until it ends (a bar on a terminal, plain lines otherwise).",
        discussion: "Exit status: 0 succeeded, 2 failed, 3 cancelled.")

    @Argument(help: "The job id.") var job: String
    @OptionGroup var queue: QueueOptions

    func run() throws {
        let client = try queue.client(for: "watch")
        let final = try exiting { () throws(OmnisegError) -> JobRecord in try Self.follow(job, client: client, json: queue.json) }
        throw ExitStatus.of(final.state)
    }

    /// Prints progress events until the job ends, in the job's own unit (iterations, trees, shards)
    /// with rate and time left; says when no worker is alive to run it. Returns its final record.
    static func follow(_ job: String, client: JobQueueClient, json: Bool) throws(OmnisegError) -> JobRecord {
        var after = "0"
        var meter: ProgressMeter?
        var lastProgress: (done: Int, total: Int)?
        var readiness = ReadinessNotice()
        var missingSince: ContinuousClock.Instant?
        while true {
            let state: JobState
            do throws(OmnisegError) { state = try client.state(of: job) } catch {
                // Seen once, a record that vanished was lost by Redis: its coordinator queues it again
                // from the workspace within about a second; follow it there.
                let since = missingSince ?? .now
                guard error.code == .notFound, after != "0", ContinuousClock.now - since < .seconds(10) else { throw error }
                missingSince = since
                usleep(200_000)
                continue
            }
            missingSince = nil
            for event in try client.events(job, after: after, block: .milliseconds(500)) {
                after = event.id
                if json {
                    print(JSONText.object(event.fields.sorted { $0.key < $1.key }.map { ($0.key, JSONText.quoted($0.value)) }))
                    continue
                }
                guard let done = event.fields["units_done"].flatMap(Int.init), let total = event.fields["units_total"].flatMap(Int.init),
                      let unit = event.fields["unit"] else { continue }
                if meter == nil { meter = ProgressMeter(label: job, total: total, unit: unit) }
                meter?.update(done: done, items: done)
                lastProgress = (done, total)
            }
            if state.isFinished {
                let final = try client.record(job)
                if let lastProgress { meter?.finish(done: final.state == .succeeded && lastProgress.total > 0 ? lastProgress.total : lastProgress.done, items: lastProgress.done) }
                if !json { print("\(job) \(final.state.rawValue)\(final.error.map { ": \($0)" } ?? "")") }
                return final
            }
            if let warning = try readiness.check(client, job: job) { StandardError.write(warning + "\n") }
        }
    }
}

/// `omniseg result`: print a finished job's result.
struct ResultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result", abstract: "Print a finished job's result.",
        discussion: "Exit status: 0 printed, 2 the job failed, 3 cancelled, 4 not finished yet.")

    @Argument(help: "The job id.") var job: String
    @Flag(help: "Print the per-person rows as CSV instead (cluster: person_id,cluster,label,name).") var csv = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var queue: QueueOptions

    func run() throws {
        let (kind, state, result, error): (String, JobState, [UInt8]?, String?)
        let featureSet: Int64?
        var jobWorkspace: String?
        if try queue.endpoint() != nil {
            let client = try queue.client(for: "result")
            let record = try exiting { () throws(OmnisegError) in try client.record(job) }
            (kind, state, result, error) = (record.kind, record.state, record.result, record.error)
            featureSet = record.parameters[CommonParameters.featureSet.name].flatMap { Int64($0) }
            jobWorkspace = record.workspaceID
        } else {
            let ledger = JobLedger(workspace: try workspace.open())
            let entry = try exiting { () throws(OmnisegError) in try ledger.existing(job) }
            (kind, state, result, error) = (entry.kind, JobState(rawValue: entry.state) ?? .failed, entry.result, entry.error)
            featureSet = entry.featureSet
        }
        guard state == .succeeded, let result else {
            StandardError.write("error: job \(job) is \(state.rawValue)\(error.map { ": \($0)" } ?? "")\n")
            throw ExitStatus.of(state)
        }
        let path = workspace.workspace
        let text = try exiting { () throws(OmnisegError) in
            guard csv else { return try JobKindRegistry.render(kind, result: result, json: queue.json) }
            // Rows are the people of the job's feature set: its person ids come from the workspace.
            guard let featureSet else { throw OmnisegError(.badInput, "job \(job) read no feature set: it has no per-person rows") }
            guard FileManager.default.fileExists(atPath: path) else {
                throw OmnisegError(.badInput, "--csv names each row's person from the job's workspace, and there is none at \(path): pass -w")
            }
            let ws = try Workspace(path: path)
            if let jobWorkspace, try ws.id != jobWorkspace {
                throw OmnisegError(.badInput, "\(path) is not the workspace of job \(job) (\(jobWorkspace)): pass -w with the job's workspace")
            }
            return try JobKindRegistry.csv(kind, result: result, people: try ws.people(ofFeatureSet: featureSet))
        }
        print(text, terminator: "")
    }
}

/// `omniseg cancel`: stop a job and its tasks.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a queued or running job.")

    @Argument(help: "The job id.") var job: String
    @OptionGroup var queue: QueueOptions

    func run() throws {
        let client = try queue.client(for: "cancel")
        let previous = try exiting { () throws(OmnisegError) in try client.cancel(job) }
        let message = previous.isFinished ? "job \(job) had already ended (\(previous.rawValue))" : "cancelling job \(job) (was \(previous.rawValue))"
        print(queue.json ? JSONText.object([("id", JSONText.quoted(job)), ("previous_state", JSONText.quoted(previous.rawValue))]) : message)
    }
}

/// `omniseg workers`: the registered workers.
struct WorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workers", abstract: "List the workers registered in Redis.")

    @OptionGroup var queue: QueueOptions

    func run() throws {
        let client = try queue.client(for: "workers")
        let workers = try exiting { () throws(OmnisegError) in try client.workers() }
        if queue.json {
            print("[" + workers.map(\.json).joined(separator: ",") + "]")
            return
        }
        print(["worker", "alive"].joined(separator: "  ") + "  " + WorkerRecord.columns.joined(separator: "  "))
        for w in workers {
            var cells = [w.name, w.alive ? "yes" : "no"]
            for c in WorkerRecord.columns {
                var value = w.fields[c] ?? ""
                if c == "last_heartbeat", let ms = Int64(value) { value = "\(max(0, JobQueueClient.nowMilliseconds() - ms)) ms ago" }
                cells.append(value)
            }
            print(cells.joined(separator: "  "))
        }
    }
}

/// `omniseg dlq`: dead-lettered tasks.
struct DeadLetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List, show, retry or purge dead-lettered tasks.",
        subcommands: [List.self, Show.self, Retry.self, Purge.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, oldest first.")
        @OptionGroup var queue: QueueOptions
        func run() throws {
            let client = try queue.client(for: "dlq list")
            let letters = try exiting { () throws(OmnisegError) in try client.deadLetters() }
            if queue.json { print("[" + letters.map(\.json).joined(separator: ",") + "]"); return }
            for l in letters { print("\(l.entryID)  \(l.task)  attempts \(l.attempts)\(l.fatal ? " fatal" : "")  \(l.reason)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter.")
        @Argument(help: "The entry id (from `dlq list`).") var entry: String
        @OptionGroup var queue: QueueOptions
        func run() throws {
            let client = try queue.client(for: "dlq show")
            let l = try exiting { () throws(OmnisegError) in try client.deadLetter(entry) }
            print(queue.json ? l.json : """
                entry    \(l.entryID)
                task     \(l.task)
                job      \(l.job)
                attempts \(l.attempts)\(l.fatal ? " (not retryable)" : "")
                worker   \(l.worker)
                reason   \(l.reason)
                message  \(l.envelopeBytes) bytes\(l.truncated ? " (kept the first \(l.envelope.count))" : "")
                """)
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a dead-lettered task back on the queue (its job must still be running).")
        @Argument(help: "The entry id.") var entry: String
        @OptionGroup var queue: QueueOptions
        func run() throws {
            let client = try queue.client(for: "dlq retry")
            try exiting { () throws(OmnisegError) in try client.retry(entry) }
            print(queue.json ? JSONText.object([("retried", JSONText.quoted(entry))]) : "retried \(entry)")
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete one dead letter, or all of them.")
        @Argument(help: "The entry id (default: all).") var entry: String?
        @OptionGroup var queue: QueueOptions
        func run() throws {
            let client = try queue.client(for: "dlq purge")
            let n = try exiting { () throws(OmnisegError) in try client.purge(entry) }
            print(queue.json ? JSONText.object([("purged", "\(n)")]) : "purged \(n)")
        }
    }
}
