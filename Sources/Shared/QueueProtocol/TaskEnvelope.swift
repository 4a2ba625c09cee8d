import OmnisegCore

/// One task on the wire: which job, iteration and task, the attempt number, where the task's input
/// is and which immutable iteration state to use. References and small values only, never rows.
///
/// Everything a worker caches for a task is named by content here: the state by its blob reference,
/// the job's kind by the digest of its spec and plan (``JobContext/digest(spec:plan:)``). A Redis
/// that was flushed or replaced, and then hands out the same job id again, cannot make a worker use
/// what it cached for the old job.
public struct TaskEnvelope: Sendable, Equatable {
    public var jobID: String
    public var kind: String
    public var iteration: Int
    public var attempt: Int
    /// Where the task's input is (a feature shard and/or a data blob).
    public var task: TaskInputDescriptor
    /// The iteration state: an immutable, chunked blob (any size up to ``BlobStore/maxBlobBytes``).
    public var state: BlobReference
    /// The digest of the job's spec and plan the task was dispatched for.
    public var context: UInt64
    /// The state's bytes themselves when it is small (at most ``inlineStateLimit``), so the worker
    /// need not fetch the blob: one round trip less per task on an iterative job's critical path.
    /// They match ``state`` (size and digest; checked when decoding).
    public var inlineState: [UInt8]?

    /// The largest state carried inside a task message.
    public static let inlineStateLimit = 32 << 10

    /// A task; `inlineState` is carried only when it fits ``inlineStateLimit``.
    public init(jobID: String, kind: String, iteration: Int, attempt: Int, task: TaskInputDescriptor, state: BlobReference, context: UInt64,
                inlineState: [UInt8]? = nil) {
        self.jobID = jobID
        self.kind = kind
        self.iteration = iteration
        self.attempt = attempt
        self.task = task
        self.state = state
        self.context = context
        self.inlineState = inlineState.flatMap { $0.count <= Self.inlineStateLimit ? $0 : nil }
    }

    /// The deterministic task id `job:iteration:task`.
    public var taskID: String { "\(jobID):\(iteration):\(task.index)" }

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 160)
        writer.string(jobID)
        writer.string(kind)
        writer.u32(UInt32(iteration))
        writer.u16(UInt16(clamping: attempt))
        task.encode(into: &writer)
        state.encode(into: &writer)
        writer.u64(context)
        writer.optional(inlineState) { bytes, w in w.blob(bytes) }
        return WireFrame(.task, payload: writer.bytes).encoded
    }

    /// Decodes a task message; throws `.corrupt` saying what is wrong.
    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        let frame = try WireFrame.decode(bytes, expecting: .task)
        var reader = WireReader(frame.payload, what: "task message")
        jobID = try reader.string(limit: 256)
        kind = try reader.string(limit: 64)
        iteration = Int(try reader.u32())
        attempt = Int(try reader.u16())
        task = try TaskInputDescriptor.decode(from: &reader)
        state = try BlobReference.decode(from: &reader)
        context = try reader.u64()
        // Version 2 frames end here; version 3 ones say whether the state is inline.
        inlineState = reader.isAtEnd ? nil : try reader.optional { (r: inout WireReader) throws(OmnisegError) in try r.blob(limit: Self.inlineStateLimit) }
        try reader.expectEnd()
        if let inline = inlineState {
            let reference = inline.withUnsafeBytes { BlobStore.reference(for: $0, chunkBytes: state.chunkBytes) }
            guard reference == state else {
                throw reader.failure("the inline iteration state (\(inline.count) bytes) is not the state \(state.key) it names")
            }
        }
    }

    /// The same task, one attempt later.
    public func nextAttempt() -> TaskEnvelope {
        var copy = self
        copy.attempt += 1
        return copy
    }
}

/// The identity of a job's context, the spec and plan its tasks run under.
public enum JobContext {
    /// The digest of `spec` and `plan` (of their canonical encodings): equal for the same job, and
    /// different for another job that reuses the id.
    public static func digest(spec: JobSpec, plan: JobPlan) -> UInt64 {
        var writer = WireWriter()
        writer.blob(spec.encoded)
        writer.blob(plan.encoded)
        return writer.bytes.withUnsafeBytes { Checksum64.of($0) }
    }
}
