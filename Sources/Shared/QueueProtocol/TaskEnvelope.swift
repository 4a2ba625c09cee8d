import OmnisegCore

/// One task on the wire: which job, iteration and shard, the attempt number, where the shard's bytes
/// are and which immutable iteration state to use. References and small values only, never rows.
public struct TaskEnvelope: Sendable, Equatable {
    public var jobID: String
    public var kind: String
    public var iteration: Int
    public var attempt: Int
    public var shard: ShardDescriptor
    /// The Redis key of the iteration state (immutable once written).
    public var stateKey: String

    public init(jobID: String, kind: String, iteration: Int, attempt: Int, shard: ShardDescriptor, stateKey: String) {
        self.jobID = jobID
        self.kind = kind
        self.iteration = iteration
        self.attempt = attempt
        self.shard = shard
        self.stateKey = stateKey
    }

    /// The deterministic task id `job:iteration:shard`.
    public var taskID: String { "\(jobID):\(iteration):\(shard.index)" }

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 160)
        writer.string(jobID)
        writer.string(kind)
        writer.u32(UInt32(iteration))
        writer.u16(UInt16(clamping: attempt))
        shard.encode(into: &writer)
        writer.string(stateKey)
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
        shard = try ShardDescriptor.decode(from: &reader)
        stateKey = try reader.string(limit: 512)
        try reader.expectEnd()
    }

    /// The same task, one attempt later.
    public func nextAttempt() -> TaskEnvelope {
        var copy = self
        copy.attempt += 1
        return copy
    }
}
