import Features
import OmnisegCore

/// What one task reads, of the type its kind declared (``TaskInputSpec``). Built the same way by the
/// embedded transport and by a worker (``init(index:shard:data:as:)``), so a kind cannot tell them apart.
public enum TaskInput: Sendable {
    /// A feature-set shard, with the kind's own bytes for it (empty when it prepared none).
    case shard(FeatureShard, data: [UInt8])
    /// The `index`-th blob the kind prepared.
    case blob(index: Int, bytes: [UInt8])
    /// A partition of a workspace table.
    case partition(TablePartition)

    /// The input of task `index` from what its descriptor pointed at: a shard (feature kinds) and/or
    /// the task's data blob, read as `kind` says. Throws `.corrupt` when they do not fit that kind.
    public init(index: Int, shard: FeatureShard?, data: [UInt8]?, as kind: TaskInputKind) throws(OmnisegError) {
        switch kind {
        case .featureShards:
            guard let shard else { throw OmnisegError(.corrupt, "task \(index) of a feature-set job has no shard") }
            self = .shard(shard, data: data ?? [])
        case .blobs:
            guard shard == nil, let data else { throw OmnisegError(.corrupt, "task \(index) of a blob job needs its blob and no shard") }
            self = .blob(index: index, bytes: data)
        case .tablePartitions:
            guard shard == nil, let data else { throw OmnisegError(.corrupt, "task \(index) of a table job needs its partition and no shard") }
            let partition = try TablePartition(decoding: data)
            guard partition.index == index else {
                throw OmnisegError(.corrupt, "task \(index) received partition \(partition.index) of table '\(partition.table)'")
            }
            self = .partition(partition)
        }
    }
}
