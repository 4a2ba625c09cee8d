import Features
import OmnisegCore

/// Where one task's input is: a feature shard (kinds over feature sets), the kind's own data blob
/// (beside the shard, or the whole input of a blob or table-partition task), or both. References and
/// shapes only: enough for a worker to fetch, verify and decode the input, never the rows.
public struct TaskInputDescriptor: Sendable, Equatable {
    /// Where a feature shard's bytes are and what shape they have.
    public struct FeatureShardReference: Sendable, Equatable {
        public var rowStart: Int
        public var rowCount: Int
        public var columnCount: Int
        public var columnStride: Int
        public var blob: BlobReference

        public init(shard: FeatureShard, blob: BlobReference) {
            rowStart = shard.rowStart
            rowCount = shard.rowCount
            columnCount = shard.columnCount
            columnStride = shard.columnStride
            self.blob = blob
        }

        init(rowStart: Int, rowCount: Int, columnCount: Int, columnStride: Int, blob: BlobReference) {
            self.rowStart = rowStart
            self.rowCount = rowCount
            self.columnCount = columnCount
            self.columnStride = columnStride
            self.blob = blob
        }

        /// The shard from its fetched `bytes`, checked against this shape.
        public func decode(_ bytes: [UInt8]) throws(OmnisegError) -> FeatureShard {
            let decoded = bytes.withUnsafeBytes { raw in
                Result { () throws(OmnisegError) -> FeatureShard in
                    try FeatureShard.decode(rowStart: rowStart, rowCount: rowCount, columnCount: columnCount, columnStride: columnStride, data: raw)
                }
            }
            return try decoded.get()
        }
    }

    /// The task's position among the job's tasks (its shard number for feature kinds).
    public var index: Int
    public var features: FeatureShardReference?
    /// The kind's own data for this task, when it has any.
    public var data: BlobReference?

    public init(index: Int, features: FeatureShardReference?, data: BlobReference?) {
        self.index = index
        self.features = features
        self.data = data
    }

    /// The blob that names where this task's input lives, for routing tasks to the worker that has it cached.
    public var localityKey: String { features?.blob.key ?? data?.key ?? "task:\(index)" }

    func encode(into writer: inout WireWriter) {
        writer.u32(UInt32(index))
        writer.optional(features) { f, w in
            w.u64(UInt64(f.rowStart))
            w.u32(UInt32(f.rowCount))
            w.u32(UInt32(f.columnCount))
            w.u32(UInt32(f.columnStride))
            f.blob.encode(into: &w)
        }
        writer.optional(data) { $0.encode(into: &$1) }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> TaskInputDescriptor {
        let index = Int(try reader.u32())
        let features = try reader.optional { (r: inout WireReader) throws(OmnisegError) -> FeatureShardReference in
            let rowStart = Int(try r.u64() & 0xFFFF_FFFF_FFFF)
            let rowCount = try r.count(limit: 1 << 24)
            let columnCount = try r.count(limit: 1 << 16)
            let stride = try r.count(limit: 1 << 24)
            guard stride == (rowCount + 15) / 16 * 16 else { throw r.failure("shard stride \(stride) does not fit \(rowCount) rows") }
            let blob = try BlobReference.decode(from: &r)
            guard blob.byteCount == stride * columnCount * 4 else {
                throw r.failure("shard blob of \(blob.byteCount) bytes does not fit \(columnCount) columns of stride \(stride)")
            }
            return FeatureShardReference(rowStart: rowStart, rowCount: rowCount, columnCount: columnCount, columnStride: stride, blob: blob)
        }
        let data = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try BlobReference.decode(from: &r) }
        return TaskInputDescriptor(index: index, features: features, data: data)
    }
}
