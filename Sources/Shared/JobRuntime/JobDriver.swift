import OmnisegCore

/// One iteration's worth of tasks for a transport to run.
public struct IterationWork: Sendable {
    public var jobID: String
    public var iteration: Int
    /// The tagged state the tasks read: the iteration's state, or the kind's task view of it
    /// (``JobKind/taskState(iteration:state:)``).
    public var state: [UInt8]
    public var shardCount: Int
    /// Whether `state` is the very state the checkpoint stored (false for a task view).
    public var isCheckpointedState = true
}

/// Runs the tasks of one iteration somewhere and hands back their partials in shard order.
///
/// Two implementations: ``InProcessTransport`` (embedded mode, a pool of threads in this process) and
/// the coordinator's Redis transport (workers on any host). The task executors are the same code in
/// both: ``JobKind/runTask(input:iteration:stateBody:cancellation:)``.
public protocol TaskTransport {
    /// Runs every shard of `work` and returns the partials indexed by shard; `progress` gets (done, total).
    func run(_ work: IterationWork, progress: (Int, Int) -> Void) throws(OmnisegError) -> [[UInt8]]
}

/// Where a job's iteration state is kept between iterations, so a restarted coordinator resumes.
public protocol JobCheckpoints {
    /// The iteration to resume and its state, or nil to start from the beginning.
    func resumePoint() throws(OmnisegError) -> (iteration: Int, state: [UInt8])?
    /// Records that `iteration` starts with `state` (called before its tasks run). `tasksRead` says
    /// whether its tasks read this very state (false: a task view of it), so a checkpoint may skip
    /// storing a large state and resume from an earlier one.
    func begin(iteration: Int, state: [UInt8], tasksRead: Bool) throws(OmnisegError)
}

/// How long one iteration took: its checkpoint, its tasks on the transport, then the merge.
public struct IterationTiming: Sendable {
    public var iteration: Int
    public var tasks: Int
    public var seconds: Double

    public init(iteration: Int, tasks: Int, seconds: Double) {
        self.iteration = iteration
        self.tasks = tasks
        self.seconds = seconds
    }

    /// "iteration 1: 11 tasks in 0.012345 s (891 tasks/s)".
    public var description: String {
        let rate = seconds > 0 ? Double(tasks) / seconds : 0
        return "iteration \(iteration): \(tasks) tasks in \(Format.fixed(seconds, 6)) s (\(Format.count(Int(rate))) tasks/s)"
    }
}

/// Drives a job through its iterations: run tasks, merge partials in shard order, checkpoint, repeat.
public struct JobDriver {
    public static let maxIterations = 10_000

    public let jobID: String
    public let kind: any JobKind
    public let shardCount: Int
    /// Threads a merge may use (those of this process that sit idle while it merges).
    public let mergeThreads: Int

    public init(jobID: String, kind: any JobKind, shardCount: Int, mergeThreads: Int = 1) {
        self.jobID = jobID
        self.kind = kind
        self.shardCount = shardCount
        self.mergeThreads = max(1, mergeThreads)
    }

    /// Runs the job to its end and returns the encoded result, tagged with the kind's result codec
    /// (``JobKind/resultBody(_:)`` reads it). `firstState` makes the body of the first iteration's
    /// state when there is no checkpoint to resume from (default: the kind's `initialState`). States
    /// and partials travel tagged (``JobCodecs``); a checkpoint stored untagged counts as version 1.
    public func run(transport: some TaskTransport, checkpoints: some JobCheckpoints,
                    firstState: (() throws(OmnisegError) -> [UInt8])? = nil,
                    progress: (Int, Int, Int) -> Void = { _, _, _ in },
                    timing: (IterationTiming) -> Void = { _ in }) throws(OmnisegError) -> [UInt8] {
        var iteration = 0
        var state: [UInt8]
        if let resume = try checkpoints.resumePoint() {
            iteration = resume.iteration
            state = try kind.codecs.state.tagStored(resume.state)
        } else {
            state = kind.firstState(try firstState?() ?? kind.initialState)
        }
        while iteration < Self.maxIterations {
            let start = ContinuousClock.now
            let view = try kind.taggedTaskState(iteration: iteration, state: state)
            try checkpoints.begin(iteration: iteration, state: state, tasksRead: view == nil)
            let work = IterationWork(jobID: jobID, iteration: iteration, state: view ?? state, shardCount: shardCount, isCheckpointedState: view == nil)
            let current = iteration
            let partials = try transport.run(work) { done, total in progress(current, done, total) }
            let step = try kind.mergeTagged(iteration: iteration, state: state, partials: partials, threads: mergeThreads)
            timing(IterationTiming(iteration: iteration, tasks: shardCount, seconds: (ContinuousClock.now - start).inSeconds))
            switch step {
            case .iterate(let next):
                iteration += 1
                state = next
            case .finish(let result):
                return result
            }
        }
        throw OmnisegError(.badInput, "job \(jobID) did not finish within \(Self.maxIterations) iterations")
    }
}

/// Checkpoints that live only as long as the process (embedded mode).
public struct MemoryCheckpoints: JobCheckpoints {
    public init() {}
    public func resumePoint() throws(OmnisegError) -> (iteration: Int, state: [UInt8])? { nil }
    public func begin(iteration: Int, state: [UInt8], tasksRead: Bool) throws(OmnisegError) {}
}
