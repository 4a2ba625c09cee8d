import OmnisegCore

/// What a job kind's tasks read, declared once by the kind (``JobKindDescriptor/input``).
public enum TaskInputKind: UInt8, Sendable, CaseIterable {
    /// One task per shard of a feature set, with the kind's own bytes for that shard when it prepares any.
    case featureShards = 1
    /// One task per content-addressed blob the kind's workspace side prepares (for example a block of
    /// records to compare); no feature set.
    case blobs = 2
    /// One task per partition of a workspace table, exported by the runtime as blobs; no feature set.
    case tablePartitions = 3

    /// Whether the job reads a feature set (and so takes the `feature_set` parameter).
    public var readsFeatures: Bool { self == .featureShards }

    public var name: String {
        switch self {
        case .featureShards: "feature-set shards"
        case .blobs: "blobs"
        case .tablePartitions: "table partitions"
        }
    }
}

/// The task inputs of one job, as its kind (configured by the job's parameters) declares them.
public enum TaskInputSpec: Sendable, Equatable {
    case featureShards
    case blobs
    case tablePartitions(TablePartitioning)

    public var kind: TaskInputKind {
        switch self {
        case .featureShards: .featureShards
        case .blobs: .blobs
        case .tablePartitions: .tablePartitions
        }
    }
}

/// How a workspace table is cut into task inputs: which columns of which table, into how many
/// partitions, and how rows are assigned to them.
///
/// Without a key, partition `p` holds the `p`-th of `partitions` equal runs of the table in row order.
/// With a key, a row goes to the partition of the hash of its key's value, so every row sharing a
/// key (for example a customer's orders) is in one partition. Either way the assignment depends on
/// the data only, never on workers or timing.
public struct TablePartitioning: Sendable, Equatable {
    public static let maxPartitions = 4096

    public var table: String
    public var columns: [String]
    public var key: String?
    public var partitions: Int

    /// Columns `columns` of `table` (every column ``ExportableTables`` lets go when empty), checked
    /// against that list so that no contact is ever sent to a worker.
    public init(table: String, columns: [String] = [], key: String? = nil, partitions: Int) throws(OmnisegError) {
        guard (1...Self.maxPartitions).contains(partitions) else {
            throw OmnisegError(.badInput, "table '\(table)' cut into \(partitions) partitions: expected 1 to \(Self.maxPartitions)")
        }
        let columns = try ExportableTables.resolve(table: table, requested: columns)
        if let key, !columns.contains(key) {
            throw OmnisegError(.badInput, "table '\(table)' partitioned by '\(key)', which is not among its exported columns")
        }
        self.table = table
        self.columns = columns
        self.key = key
        self.partitions = partitions
    }

    /// The partition of a row whose key has the text `value` (nil: a NULL key).
    public func partition(ofKey value: [UInt8]?) -> Int {
        guard let value else { return 0 }
        let hash = value.withUnsafeBytes { Checksum64.of($0) }
        return Int(hash % UInt64(partitions))
    }

    /// The partition of row `ordinal` of `rowCount` rows (no key): equal runs in row order.
    public func partition(ofRow ordinal: Int, rowCount: Int) -> Int {
        guard rowCount > 0 else { return 0 }
        return min(partitions - 1, ordinal * partitions / rowCount)
    }
}
