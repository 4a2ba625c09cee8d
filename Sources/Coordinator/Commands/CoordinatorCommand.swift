import ArgumentParser
import Coordination
import FeatureStore
import Foundation
import JobKinds
import JobRuntime
import Logging
import OmnisegCore
import Workspace
import WorkspaceJobs

/// Options shared by `coordinator` and `run`.
struct CoordinatorTuning: ParsableArguments {
    @Option(name: .customLong("lease-ms"), help: "Reclaim a task idle this long (workers renew every quarter of their own lease).")
    var leaseMilliseconds: Int = 30_000
    @Option(name: .customLong("leader-lease-ms"), help: "The workspace leader lock's time to live.")
    var leaderLeaseMilliseconds: Int = 10_000
    @Option(name: .customLong("locality-wait-ms"), help: "How long a task waits for the worker that caches its shard before any worker may take it.")
    var localityWaitMilliseconds: Int = 2_000
    @Option(name: .customLong("max-attempts"), help: "Attempts per task before it is dead-lettered.")
    var maxAttempts: Int = 4
    @Option(name: .customLong("max-jobs"), help: "Jobs run at once; the others wait in the queue, in order.")
    var maxJobs: Int = 4
    @Option(name: .customLong("redis-wait-seconds"), help: "How long to try reaching Redis at start before exiting with 69 (once connected, it reconnects after any outage).")
    var redisWaitSeconds: Double = 30
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"
    /// Test aid: a pause between preparing a job and starting it, which makes the cancel window observable.
    @Option(name: .customLong("start-delay-ms"), help: .hidden)
    var startDelayMilliseconds: Int = 0

    var options: CoordinatorOptions {
        var o = CoordinatorOptions()
        o.leaseTimeout = .milliseconds(max(100, leaseMilliseconds))
        o.leaderLease = .milliseconds(max(200, leaderLeaseMilliseconds))
        o.localityWait = .milliseconds(max(0, localityWaitMilliseconds))
        o.retry.maxAttempts = max(1, maxAttempts)
        o.maxJobs = max(1, maxJobs)
        o.startDelay = .milliseconds(max(0, startDelayMilliseconds))
        o.startupWait = .milliseconds(Int64(max(0, min(redisWaitSeconds, 86_400)) * 1000))
        return o
    }
}

/// `omniseg coordinator`: serve a workspace's jobs until stopped.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator", abstract: "Serve the workspace's job queue: dispatch tasks to workers, merge, checkpoint.",
        discussion: "Runs until SIGTERM/SIGINT. One coordinator leads a workspace at a time (a lock with a fencing epoch); a second one waits. Exit status: 0 stopped, 1 error, 69 Redis unreachable within --redis-wait-seconds, 77 Redis refused the credentials.")

    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var queue: QueueOptions
    @OptionGroup var tuning: CoordinatorTuning

    func run() throws {
        guard let endpoint = try queue.endpoint() else {
            StandardError.write("error: the coordinator needs Redis: pass --redis URL or set OMNISEG_REDIS_URL\n")
            throw ExitStatus.usage
        }
        ServiceLogging.bootstrap(level: tuning.logLevel)
        ShutdownSignal.install()
        let id = try exiting { () throws(OmnisegError) in try Workspace(path: workspace.workspace).id }
        let coordinator = ClusterCoordinator(endpoint: endpoint, workspacePath: workspace.workspace, workspaceID: id,
                                             options: tuning.options, logger: Logger(label: "omniseg.coordinator"))
        try exiting { () throws(OmnisegError) in try coordinator.run() }
    }
}

/// `omniseg run`: submit a job and coordinate it in the foreground; embedded when there is no Redis.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a job in the foreground: embedded without Redis, or submit + coordinate with it.",
        discussion: "Prints the job id, then the result. Exit status: 0 succeeded, 2 failed, 3 cancelled.")

    @Argument(help: "The job kind (\(JobKindRegistry.names.joined(separator: ", "))); `omniseg kinds KIND` lists its options.") var kind: String
    @Option(name: .customLong("param"), help: "A job parameter, name=value (repeatable).") var parameters: [String] = []
    @OptionGroup var job: ForegroundJob
    @Argument(parsing: .allUnrecognized, help: "The kind's own options, like --k 8 (see `omniseg kinds KIND`).") var options: [String] = []

    func run() throws {
        let descriptor = try exiting { () throws(OmnisegError) in try JobKindRegistry.descriptor(kind) }
        try job.run(descriptor, options, pairs: parameters)
    }
}

/// Running one job in the foreground, as `run` and the `churn` commands do: embedded without Redis,
/// or submitted and coordinated here with it; then its result is printed.
struct ForegroundJob: ParsableArguments {
    @Option(help: "Embedded mode: task threads (default: cores).") var threads: Int = CPUFeatures.cores
    @Flag(help: "Print only the job id, not the result.") var quiet = false
    @Flag(help: "Print each iteration's tasks and wall-clock time on standard error.") var timings = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var queue: QueueOptions
    @OptionGroup var tuning: CoordinatorTuning

    /// Runs job `kind` with the parameters its command-line `options` (and `--param` `pairs`) give,
    /// and prints its result.
    func run(_ kind: JobKindDescriptor, _ options: [String], pairs: [String] = []) throws {
        try run(kind.name, parameters: try KindArguments.parameters(options, pairs: pairs, kind: kind, workspace: workspace))
    }

    /// Runs job `kind` and prints its result (or only its id with --quiet).
    func run(_ kind: String, parameters params: JobParameters) throws {
        let (id, result) = try execute(kind, parameters: params)
        if quiet { print(id); return }
        let text = try exiting { () throws(OmnisegError) in
            try JobKindRegistry.render(kind, result: result, json: queue.json)
        }
        if !queue.json { print("job \(id) succeeded") }
        print(text, terminator: "")
    }

    /// Runs job `kind` (embedded, or through Redis with --redis) and returns its id and result; a
    /// failed job is reported on standard error and exits.
    func execute(_ kind: String, parameters given: JobParameters) throws -> (id: String, result: [UInt8]) {
        try JobExecution(workspace: workspace, queue: queue, tuning: tuning, threads: threads, timings: timings).execute(kind, parameters: given)
    }
}
