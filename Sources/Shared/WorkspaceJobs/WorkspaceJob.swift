import Features
import JobRuntime
import OmnisegCore
import Workspace

/// What a job kind does where the workspace is (an embedded run or the coordinator, never a worker):
/// make the first state and the kind's own task data from the workspace, and store a finished result.
///
/// A kind conforms in its own `Workspace/` folder, by an extension of its compute type, so the
/// worker, which links only the compute, never links SQLite. A kind without a conformance starts
/// from ``JobKind/initialState`` and stores nothing (``WorkspaceJobs/prepare(_:in:matrix:)``).
public protocol WorkspaceJob: JobKind {
    /// For a kind over feature-set shards: the first state and any per-shard data for `matrix`. The
    /// data travels to workers as content-addressed blobs beside the feature shards and is cached
    /// with them. Default: ``prepare(in:)``.
    func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation

    /// For a kind that reads no feature set: the first state and, over ``TaskInputKind/blobs``, the
    /// blobs (one task each). Default: the kind's ``JobKind/initialState`` and no data.
    func prepare(in workspace: Workspace) throws(OmnisegError) -> JobPreparation

    /// Writes what the result holds per person into the workspace (after the job succeeded); `people`
    /// names the person of each row of the feature set the job read (nil for a kind that reads none).
    /// Default: nothing.
    func store(result: [UInt8], jobID: String, people: PersonRows?, in workspace: Workspace) throws(OmnisegError)
}

extension WorkspaceJob {
    public func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        try prepare(in: workspace)
    }

    public func prepare(in workspace: Workspace) throws(OmnisegError) -> JobPreparation {
        JobPreparation(state: initialState)
    }

    public func store(result: [UInt8], jobID: String, people: PersonRows?, in workspace: Workspace) throws(OmnisegError) {}
}

/// What a job's tasks read and its first state, made where the workspace is.
public struct PreparedJob: Sendable {
    /// One task's input before it is published: a shard (feature kinds) and/or the task's data.
    public struct Task: Sendable {
        public var shard: FeatureShard?
        public var data: [UInt8]?
    }

    public var input: TaskInputKind
    public var state: [UInt8]
    public var tasks: [Task]

    /// Per task, the kind's own data (the shard data of feature kinds), or nil when no task has any.
    public var taskData: [[UInt8]]? { tasks.contains { $0.data != nil } ? tasks.map { $0.data ?? [] } : nil }

    /// The tasks' inputs as a task receives them (decoded exactly as a worker decodes them).
    public func taskInputs() throws(OmnisegError) -> [TaskInput] {
        var inputs: [TaskInput] = []
        inputs.reserveCapacity(tasks.count)
        for (i, task) in tasks.enumerated() { inputs.append(try TaskInput(index: i, shard: task.shard, data: task.data, as: input)) }
        return inputs
    }
}

/// The workspace side of any kind: its ``WorkspaceJob`` conformance when it has one, the defaults when not.
public enum WorkspaceJobs {
    /// `kind`'s first state and task inputs: over the shards of `matrix` (which a kind over feature
    /// sets needs), the blobs it prepares, or the partitions of the table it names.
    public static func prepare(_ kind: any JobKind, in workspace: Workspace, matrix: FeatureMatrix?) throws(OmnisegError) -> PreparedJob {
        let own = kind as? any WorkspaceJob
        switch kind.inputs {
        case .featureShards:
            guard let matrix else { throw OmnisegError(.badInput, "job kind \(type(of: kind)) reads a feature set; none was given") }
            let preparation = try own?.prepare(in: workspace, matrix: matrix) ?? JobPreparation(state: kind.initialState)
            guard preparation.taskData.map({ $0.count == matrix.shards.count }) ?? true else {
                throw OmnisegError(.corrupt, "job kind \(type(of: kind)) prepared data for \(preparation.taskData?.count ?? 0) of \(matrix.shards.count) shards")
            }
            let tasks = matrix.shards.indices.map { PreparedJob.Task(shard: matrix.shards[$0], data: preparation.taskData?[$0]) }
            return PreparedJob(input: .featureShards, state: preparation.state, tasks: tasks)
        case .blobs:
            let preparation = try own?.prepare(in: workspace) ?? JobPreparation(state: kind.initialState)
            let tasks = (preparation.taskData ?? []).map { PreparedJob.Task(shard: nil, data: $0) }
            return PreparedJob(input: .blobs, state: preparation.state, tasks: tasks)
        case .tablePartitions(let spec):
            let preparation = try own?.prepare(in: workspace) ?? JobPreparation(state: kind.initialState)
            let tasks = try TableExport(workspace: workspace).partitions(spec).map { PreparedJob.Task(shard: nil, data: $0.encoded) }
            return PreparedJob(input: .tablePartitions, state: preparation.state, tasks: tasks)
        }
    }

    /// Stores `result` (tagged, as the driver returns it) of job `jobID` when `kind` has something to
    /// store; the kind's ``WorkspaceJob/store(result:jobID:people:in:)`` gets the body and the person
    /// of each row of `matrix`, the feature set the job read.
    public static func store(_ kind: any JobKind, result: [UInt8], jobID: String, matrix: FeatureMatrix?, in workspace: Workspace) throws(OmnisegError) {
        guard let own = kind as? any WorkspaceJob else { return }
        try own.store(result: try kind.resultBody(result), jobID: jobID, people: matrix?.people, in: workspace)
    }
}
