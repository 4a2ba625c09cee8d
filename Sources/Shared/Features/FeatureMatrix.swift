import OmnisegCore

/// The per-person feature matrix: float32, sharded by row ranges, each shard column-major and 64-byte
/// aligned; with the feature names, the as-of time and standardization parameters (mean, std per column,
/// over all rows, computed in Double).
public struct FeatureMatrix: Sendable {
    /// The workspace id of this feature set (0 until stored).
    public var setID: Int64
    /// Events up to and including this Unix second were counted.
    public let asOf: Int64
    public let names: [String]
    public let shards: [FeatureShard]
    public let shardRows: Int
    public let means: [Double]
    /// Population standard deviations (0 for a constant column: standardize such a column with 1).
    public let stds: [Double]
    /// The person of each row and the identity generation the rows were built on.
    public let people: PersonRows

    /// A matrix of `shards` (in row order, each `shardRows` rows but the last) with its column statistics;
    /// `people` names each row's person (default: rows 0..<n as persons 1...n, generation 0).
    public init(setID: Int64, asOf: Int64, names: [String], shards: [FeatureShard], shardRows: Int, means: [Double], stds: [Double],
                people: PersonRows? = nil) {
        let rowCount = shards.reduce(0) { $0 + $1.rowCount }
        self.people = people ?? .dense(count: rowCount)
        self.setID = setID
        self.asOf = asOf
        self.names = names
        self.shards = shards
        self.shardRows = shardRows
        self.means = means
        self.stds = stds
    }

    /// The number of rows (people): row r is person `people.id(ofRow: r)`.
    public var rowCount: Int { shards.reduce(0) { $0 + $1.rowCount } }
    public var columnCount: Int { names.count }

    /// The value at (`row`, `column`) — for tests and spot checks, not hot loops.
    public func value(row: Int, column: Int) -> Float {
        let shard = shards[row / shardRows]
        return shard.column(column)[row - shard.rowStart]
    }

    /// The column index of a feature name.
    public func column(named name: String) -> Int? { names.firstIndex(of: name) }
}
