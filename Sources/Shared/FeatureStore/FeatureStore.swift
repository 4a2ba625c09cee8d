import Features
import Foundation
import OmnisegCore
import Workspace

/// Stores feature matrices in the workspace and reads them back, verifying every shard's checksum.
public struct FeatureStore {
    /// The stored layout this build writes and reads.
    public static let layout = "f32-colmajor-stride16-v1"

    private let workspace: Workspace

    public init(workspace: Workspace) {
        self.workspace = workspace
    }

    /// Saves `matrix` as a new feature set; returns its id.
    @discardableResult
    public func save(_ matrix: FeatureMatrix) throws(OmnisegError) -> Int64 {
        let db = workspace.db
        return try db.transaction { () throws(OmnisegError) -> Int64 in
            guard matrix.people.count == matrix.rowCount else {
                throw OmnisegError(.badInput, "the feature matrix has \(matrix.rowCount) rows but names \(matrix.people.count) people")
            }
            try db.run("""
                INSERT INTO feature_set (as_of, row_count, column_count, shard_rows, layout, created_at, identity_generation, person_ids)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(matrix.asOf), .integer(Int64(matrix.rowCount)), .integer(Int64(matrix.columnCount)),
                      .integer(Int64(matrix.shardRows)), .text(Self.layout), .text(ISO8601DateFormatter().string(from: Date())),
                      matrix.people.generation > 0 ? .integer(matrix.people.generation) : .null, .blob(matrix.people.encodedIDs)])
            let setID = db.lastInsertRowID
            let column = try db.prepare("INSERT INTO feature_column (set_id, col, name, mean, std) VALUES (?, ?, ?, ?, ?)")
            for (c, name) in matrix.names.enumerated() {
                try column.bind([.integer(setID), .integer(Int64(c)), .text(name), .real(matrix.means[c]), .real(matrix.stds[c])])
                try column.runAndReset()
            }
            let shard = try db.prepare("INSERT INTO feature_shard (set_id, shard, row_start, row_count, column_stride, checksum, data) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for (index, s) in matrix.shards.enumerated() {
                shard.bind(setID, at: 1)
                shard.bind(Int64(index), at: 2)
                shard.bind(Int64(s.rowStart), at: 3)
                shard.bind(Int64(s.rowCount), at: 4)
                shard.bind(Int64(s.columnStride), at: 5)
                shard.bind(s.checksum, at: 6)
                shard.bindBlob(s.bytes, at: 7)
                try shard.runAndReset()
            }
            return setID
        }
    }

    /// The feature set a command uses when none is named: the one with the latest as-of day, and of
    /// those the newest built (highest id); nil when there is none.
    public func defaultSetID() throws(OmnisegError) -> Int64? {
        try workspace.db.scalar("SELECT id FROM feature_set ORDER BY as_of / 86400 DESC, id DESC LIMIT 1")?.integer
    }

    /// Feature set `id`'s as-of time (Unix seconds), or nil when there is no such set.
    public func asOf(setID id: Int64) throws(OmnisegError) -> Int64? {
        try workspace.db.scalar("SELECT as_of FROM feature_set WHERE id = ?", [.integer(id)])?.integer
    }

    /// Loads feature set `setID` (default: ``defaultSetID()``); throws `.corrupt` when a shard's checksum does not match.
    public func load(setID: Int64? = nil) throws(OmnisegError) -> FeatureMatrix {
        let db = workspace.db
        let chosen: Int64?
        if let setID { chosen = setID } else { chosen = try defaultSetID() }
        guard let id = chosen else {
            throw OmnisegError(.precondition, "no feature matrix yet: run `omniseg features` first", context: [("workspace", workspace.path)])
        }
        guard let set = try db.rows("SELECT as_of, row_count, column_count, shard_rows, layout FROM feature_set WHERE id = ?", [.integer(id)]).first else {
            throw OmnisegError(.notFound, "no feature set \(id)", context: [("workspace", workspace.path)])
        }
        guard set[4].text == Self.layout else {
            throw OmnisegError(.badInput, "feature set \(id) has layout '\(set[4].text ?? "")'; this build reads \(Self.layout)")
        }
        let columnCount = Int(set[2].integer ?? 0)
        let columns = try db.rows("SELECT name, mean, std FROM feature_column WHERE set_id = ? ORDER BY col", [.integer(id)])
        var shards: [FeatureShard] = []
        let statement = try db.prepare("SELECT shard, row_start, row_count, column_stride, checksum, data FROM feature_shard WHERE set_id = ? ORDER BY shard")
        statement.bind(id, at: 1)
        while try statement.step() {
            let index = statement.int64(at: 0)
            let shard = try statement.withBytes(at: 5) { (data: UnsafeRawBufferPointer) throws(OmnisegError) -> FeatureShard in
                try FeatureShard.decode(rowStart: Int(statement.int64(at: 1)), rowCount: Int(statement.int64(at: 2)),
                                        columnCount: columnCount, columnStride: Int(statement.int64(at: 3)), data: data)
            }
            let stored = statement.string(at: 4) ?? ""
            guard shard.checksum == stored else {
                throw OmnisegError(.corrupt, "feature shard \(index) of set \(id) fails its checksum (stored \(stored), computed \(shard.checksum))",
                                   context: [("workspace", workspace.path)])
            }
            shards.append(shard)
        }
        let rows = shards.reduce(0) { $0 + $1.rowCount }
        guard rows == Int(set[1].integer ?? -1), columns.count == columnCount else {
            throw OmnisegError(.corrupt, "feature set \(id) is incomplete: \(rows) rows and \(columns.count) columns stored, \(set[1].integer ?? 0) and \(columnCount) expected")
        }
        return FeatureMatrix(setID: id, asOf: set[0].integer ?? 0, names: columns.map { $0[0].text ?? "" }, shards: shards,
                             shardRows: Int(set[3].integer ?? 65_536), means: columns.map { $0[1].real ?? 0 }, stds: columns.map { $0[2].real ?? 0 },
                             people: try workspace.people(ofFeatureSet: id))
    }
}

/// Per-feature statistics for `omniseg features --describe`.
public struct FeatureDescription: Sendable {
    public struct Column: Sendable {
        public let name: String
        public let mean: Double
        public let std: Double
        public let min: Float
        public let max: Float
        public let zeroShare: Double
    }

    public let columns: [Column]

    public init(_ matrix: FeatureMatrix) {
        columns = matrix.names.indices.map { c in
            var lo = Float.infinity, hi = -Float.infinity
            var zeros = 0
            for shard in matrix.shards {
                let values = shard.column(c)
                for i in 0..<shard.rowCount {
                    let v = values[i]
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                    if v == 0 { zeros += 1 }
                }
            }
            return Column(name: matrix.names[c], mean: matrix.means[c], std: matrix.stds[c], min: lo, max: hi,
                          zeroShare: Double(zeros) / Double(Swift.max(1, matrix.rowCount)))
        }
    }

    /// A printable table.
    public var table: String {
        var lines = ["feature".rightPadded(24) + "mean".leftPadded(12) + "std".leftPadded(12) + "min".leftPadded(12) + "max".leftPadded(12) + "zeros".leftPadded(8)]
        for c in columns {
            lines.append(c.name.rightPadded(24) + Format.fixed(c.mean, 3).leftPadded(12) + Format.fixed(c.std, 3).leftPadded(12)
                         + Format.fixed(Double(c.min), 2).leftPadded(12) + Format.fixed(Double(c.max), 2).leftPadded(12)
                         + (Format.fixed(100 * c.zeroShare, 0) + "%").leftPadded(8))
        }
        return lines.joined(separator: "\n")
    }
}
