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

/// Where a shard's bytes are and what they hold: enough for a worker to fetch, verify and decode it.
public struct ShardDescriptor: Sendable, Equatable {
    public var index: Int
    public var rowStart: Int
    public var rowCount: Int
    public var columnCount: Int
    public var columnStride: Int
    public var blob: BlobReference
    /// The job's own data for this shard (``JobPreparation/shardData``), when its kind has any.
    public var data: BlobReference?

    public init(index: Int, shard: FeatureShard, blob: BlobReference, data: BlobReference? = nil) {
        self.index = index
        self.rowStart = shard.rowStart
        self.rowCount = shard.rowCount
        self.columnCount = shard.columnCount
        self.columnStride = shard.columnStride
        self.blob = blob
        self.data = data
    }

    init(index: Int, rowStart: Int, rowCount: Int, columnCount: Int, columnStride: Int, blob: BlobReference, data: BlobReference?) {
        self.index = index
        self.rowStart = rowStart
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.columnStride = columnStride
        self.blob = blob
        self.data = data
    }

    func encode(into writer: inout WireWriter) {
        writer.u32(UInt32(index))
        writer.u64(UInt64(rowStart))
        writer.u32(UInt32(rowCount))
        writer.u32(UInt32(columnCount))
        writer.u32(UInt32(columnStride))
        blob.encode(into: &writer)
        writer.optional(data) { $0.encode(into: &$1) }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> ShardDescriptor {
        let index = Int(try reader.u32())
        let rowStart = Int(try reader.u64() & 0xFFFF_FFFF_FFFF)
        let rowCount = try reader.count(limit: 1 << 24)
        let columnCount = try reader.count(limit: 1 << 16)
        let stride = try reader.count(limit: 1 << 24)
        guard stride == (rowCount + 15) / 16 * 16 else { throw reader.failure("shard stride \(stride) does not fit \(rowCount) rows") }
        let blob = try BlobReference.decode(from: &reader)
        guard blob.byteCount == stride * columnCount * 4 else {
            throw reader.failure("shard blob of \(blob.byteCount) bytes does not fit \(columnCount) columns of stride \(stride)")
        }
        let data = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try BlobReference.decode(from: &r) }
        return ShardDescriptor(index: index, rowStart: rowStart, rowCount: rowCount, columnCount: columnCount, columnStride: stride, blob: blob, data: data)
    }
}

/// The coordinator's plan for a job: the feature set it reads and where each shard is.
public struct JobPlan: Sendable, Equatable {
    public var featureSetID: Int64
    public var columnNames: [String]
    public var shards: [ShardDescriptor]

    public init(featureSetID: Int64, columnNames: [String], shards: [ShardDescriptor]) {
        self.featureSetID = featureSetID
        self.columnNames = columnNames
        self.shards = shards
    }

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 64 * shards.count + 1024)
        writer.i64(featureSetID)
        writer.count(columnNames.count)
        for n in columnNames { writer.string(n) }
        writer.count(shards.count)
        for s in shards { s.encode(into: &writer) }
        return WireFrame(.jobPlan, payload: writer.bytes).encoded
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        let frame = try WireFrame.decode(bytes, expecting: .jobPlan)
        var reader = WireReader(frame.payload, what: "job plan")
        featureSetID = try reader.i64()
        columnNames = []
        for _ in 0..<(try reader.count(limit: 1 << 16)) { columnNames.append(try reader.string(limit: 1024)) }
        shards = []
        for _ in 0..<(try reader.count(limit: 1 << 20)) { shards.append(try ShardDescriptor.decode(from: &reader)) }
        try reader.expectEnd()
    }
}
