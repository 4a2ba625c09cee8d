import Features
import OmnisegCore

/// What a job does next after merging one iteration's partials.
public enum JobStep: Sendable, Equatable {
    /// Run another iteration with this state (immutable, versioned by the iteration number).
    case iterate(state: [UInt8])
    /// The job is done; this is its encoded result.
    case finish(result: [UInt8])
}

/// Lets a long task notice that its job was cancelled.
public struct CancellationCheck: Sendable {
    private let probe: @Sendable () -> Bool
    public init(_ probe: @escaping @Sendable () -> Bool) { self.probe = probe }
    public static let never = CancellationCheck { false }
    /// Throws `.cancelled` when the job was cancelled.
    public func check() throws(OmnisegError) {
        if probe() { throw OmnisegError(.cancelled, "the job was cancelled") }
    }
}

extension OmnisegError.Code {
    /// The job was cancelled by a user.
    public static let cancelled = OmnisegError.Code("cancelled")
}

/// What a job starts from, made where the workspace is (``WorkspaceJob/prepare(in:matrix:)``): the first iteration's state and
/// the kind's own bytes per task.
public struct JobPreparation: Sendable {
    /// The state of the first iteration.
    public var state: [UInt8]
    /// Per task, the kind's own bytes, travelling to workers as content-addressed blobs. For a kind
    /// over feature-set shards: per shard (same order), what its task receives beside the shard (for
    /// example each person's interactions), or nil when it reads only the features. For a kind over
    /// ``TaskInputKind/blobs``: the blobs, one task each. Unused for table partitions (the runtime
    /// exports those).
    public var taskData: [[UInt8]]?

    public init(state: [UInt8], taskData: [[UInt8]]? = nil) {
        self.state = state
        self.taskData = taskData
    }
}

/// A job kind: how one task computes a partial over one shard, and how partials merge.
///
/// This is the part of a kind that workers run: pure compute over shards and states, no workspace,
/// no printing. What the kind does where the workspace is (prepare the first state, store the
/// result) is ``WorkspaceJob``, declared in the WorkspaceJobs module.
///
/// A task is a pure function of (shard, iteration, state): running it twice gives identical bytes, so
/// a retried or duplicated task cannot change the result. Partials are merged in shard order, in
/// Double, so the result does not depend on the number of workers or the order tasks finish in.
/// The same code runs in the embedded transport and on `omniseg-worker`.
public protocol JobKind: Sendable {
    /// The names and versions of this kind's state, partial and result encodings (``JobCodecs``).
    static var codecs: JobCodecs { get }

    /// What the tasks read. Default: the shards of a feature set.
    var inputs: TaskInputSpec { get }

    /// The state of the first iteration.
    var initialState: [UInt8] { get }

    /// Computes the partial result of one task's `input` for `iteration`, given that iteration's state.
    /// Default: for a shard, ``execute(shard:data:iteration:state:cancellation:)``; other inputs need
    /// the kind's own implementation.
    func execute(input: TaskInput, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8]

    /// Computes the partial result of `shard` for `iteration`, given that iteration's state (kinds
    /// over feature-set shards).
    func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8]

    /// Like ``execute(shard:iteration:state:cancellation:)`` for a kind with shard data: `data` is the
    /// shard's entry of ``JobPreparation/taskData`` (empty when the kind prepared none). Default: ignores it.
    func execute(shard: FeatureShard, data: [UInt8], iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8]

    /// Merges the partials of `iteration` (indexed by shard) and says what comes next.
    func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep

    /// The part of `iteration`'s state that its tasks read, when it is less than the whole state (a
    /// state that carries what only the merge or a later iteration needs); nil when the tasks read the
    /// whole state. Workers then fetch and decode only this. Default: nil.
    func taskState(iteration: Int, state: [UInt8]) throws(OmnisegError) -> [UInt8]?

    /// Like ``merge(iteration:state:partials:)``, free to use up to `threads` threads of the merging
    /// process (the result must not depend on them). Default: the single-threaded merge.
    func merge(iteration: Int, state: [UInt8], partials: [[UInt8]], threads: Int) throws(OmnisegError) -> JobStep

    /// How far the job is when `iteration` runs with `tasksDone` of its `tasksTotal` tasks finished,
    /// in the kind's own unit (for `watch` and the embedded run's bar). Default: shards of iteration 0.
    func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress

    /// A human-readable rendering of a finished result; JSON when `json` is true.
    func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String
    /// The result's per-person rows as CSV, for kinds that have them; row r is person `people.id(ofRow: r)`
    /// (the rows of the feature set the job read).
    func csv(result: [UInt8], people: PersonRows) throws(OmnisegError) -> String
}

extension JobKind {
    public var inputs: TaskInputSpec { .featureShards }

    public func execute(input: TaskInput, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        guard case .shard(let shard, let data) = input else {
            throw OmnisegError(.badInput, "job kind \(type(of: self)) declares \(inputs.kind.name) as its inputs but runs no task over them")
        }
        return try execute(shard: shard, data: data, iteration: iteration, state: state, cancellation: cancellation)
    }

    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        throw OmnisegError(.badInput, "job kind \(type(of: self)) reads \(inputs.kind.name), not feature-set shards")
    }

    public func execute(shard: FeatureShard, data: [UInt8], iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        try execute(shard: shard, iteration: iteration, state: state, cancellation: cancellation)
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]], threads: Int) throws(OmnisegError) -> JobStep {
        try merge(iteration: iteration, state: state, partials: partials)
    }

    public func taskState(iteration: Int, state: [UInt8]) throws(OmnisegError) -> [UInt8]? { nil }

    public func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress {
        .shards(tasksDone: tasksDone, tasksTotal: tasksTotal)
    }

    public func csv(result: [UInt8], people: PersonRows) throws(OmnisegError) -> String {
        throw OmnisegError(.badInput, "this job kind has no per-person rows to export as CSV")
    }
}
