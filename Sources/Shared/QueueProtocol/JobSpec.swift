import Features
import JobRuntime
import OmnisegCore

/// What a user asked for: a job kind with parameters, on a workspace (named by its id).
public struct JobSpec: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var workspaceID: String
    public var parameters: JobParameters
    /// Seconds since 1970 when it was submitted.
    public var submittedAt: Int64

    public init(id: String, kind: String, workspaceID: String, parameters: JobParameters, submittedAt: Int64) {
        self.id = id
        self.kind = kind
        self.workspaceID = workspaceID
        self.parameters = parameters
        self.submittedAt = submittedAt
    }

    public var encoded: [UInt8] {
        var writer = WireWriter()
        writer.string(id)
        writer.string(kind)
        writer.string(workspaceID)
        let pairs = parameters.sorted
        writer.count(pairs.count)
        for p in pairs {
            writer.string(p.name)
            writer.string(p.value)
        }
        writer.i64(submittedAt)
        return WireFrame(.jobSpec, payload: writer.bytes).encoded
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        let frame = try WireFrame.decode(bytes, expecting: .jobSpec)
        var reader = WireReader(frame.payload, what: "job spec")
        id = try reader.string(limit: 256)
        kind = try reader.string(limit: 64)
        workspaceID = try reader.string(limit: 256)
        var values: [String: String] = [:]
        for _ in 0..<(try reader.count(limit: 256)) {
            let name = try reader.string(limit: 256)
            values[name] = try reader.string(limit: 4096)
        }
        parameters = JobParameters(values)
        submittedAt = try reader.i64()
        try reader.expectEnd()
    }
}

/// The coordinator's plan for a job: what its tasks read (the feature set, when its kind reads one)
/// and where each task's input is.
public struct JobPlan: Sendable, Equatable {
    public var input: TaskInputKind
    /// The feature set the tasks read; nil for kinds over blobs or table partitions.
    public var featureSetID: Int64?
    public var columnNames: [String]
    /// Per task, in task order.
    public var tasks: [TaskInputDescriptor]

    /// A plan; throws `.corrupt` when a task's input does not fit `input` (a feature shard for
    /// feature-set jobs, a data blob and no shard for the others) or tasks are out of order.
    public init(input: TaskInputKind, featureSetID: Int64?, columnNames: [String], tasks: [TaskInputDescriptor]) throws(OmnisegError) {
        guard input.readsFeatures == (featureSetID != nil) else {
            throw OmnisegError(.corrupt, "a job plan over \(input.name) \(input.readsFeatures ? "needs" : "takes no") feature set")
        }
        for (i, task) in tasks.enumerated() {
            guard task.index == i else { throw OmnisegError(.corrupt, "job plan: task \(i) is numbered \(task.index)") }
            guard input.readsFeatures ? task.features != nil : (task.features == nil && task.data != nil) else {
                throw OmnisegError(.corrupt, "job plan: task \(i) does not hold \(input.readsFeatures ? "a feature shard" : "just its data blob")")
            }
        }
        self.input = input
        self.featureSetID = featureSetID
        self.columnNames = columnNames
        self.tasks = tasks
    }

    /// Bytes the tasks' inputs take in Redis (shards and data blobs).
    public var inputBytes: Int { tasks.reduce(0) { $0 + ($1.features?.blob.byteCount ?? 0) + ($1.data?.byteCount ?? 0) } }

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 64 * tasks.count + 1024)
        writer.u8(input.rawValue)
        writer.optional(featureSetID) { $1.i64($0) }
        writer.count(columnNames.count)
        for n in columnNames { writer.string(n) }
        writer.count(tasks.count)
        for t in tasks { t.encode(into: &writer) }
        return WireFrame(.jobPlan, payload: writer.bytes).encoded
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        let frame = try WireFrame.decode(bytes, expecting: .jobPlan)
        var reader = WireReader(frame.payload, what: "job plan")
        let code = try reader.u8()
        guard let input = TaskInputKind(rawValue: code) else { throw reader.failure("unknown task input kind \(code)") }
        let featureSetID = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try r.i64() }
        var columnNames: [String] = []
        for _ in 0..<(try reader.count(limit: 1 << 16)) { columnNames.append(try reader.string(limit: 1024)) }
        var tasks: [TaskInputDescriptor] = []
        for _ in 0..<(try reader.count(limit: 1 << 20)) { tasks.append(try TaskInputDescriptor.decode(from: &reader)) }
        try reader.expectEnd()
        try self.init(input: input, featureSetID: featureSetID, columnNames: columnNames, tasks: tasks)
    }
}
