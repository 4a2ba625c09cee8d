import OmnisegCore
import Synchronization

/// One shard of the feature matrix: `rowCount` rows starting at `rowStart`, stored column-major as
/// float32 with each column padded to `columnStride` floats (a multiple of 16), so every column starts
/// on a 64-byte boundary of a 64-byte aligned buffer.
public final class FeatureShard: @unchecked Sendable {
    // @unchecked Sendable: the buffer is written only while the shard is built (before it is shared)
    // and is read-only afterwards; `storage` is never reassigned.
    public let rowStart: Int
    public let rowCount: Int
    public let columnCount: Int
    public let columnStride: Int
    private let storage: UnsafeMutableRawPointer
    /// One shard derived from this one (transformed or projected columns) and the key it was built for.
    private let derivedEntry = Mutex<(key: [UInt8], shard: FeatureShard)?>(nil)

    /// A zero-filled shard.
    public init(rowStart: Int, rowCount: Int, columnCount: Int) {
        self.rowStart = rowStart
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.columnStride = (rowCount + 15) / 16 * 16
        let bytes = max(64, columnStride * columnCount * 4)
        storage = .allocate(byteCount: bytes, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    }

    deinit { storage.deallocate() }

    /// The size of the stored bytes.
    public var byteCount: Int { columnStride * columnCount * 4 }

    /// The padded values of column `c` (the first `rowCount` are rows; the rest are zero).
    public func column(_ c: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: storage.assumingMemoryBound(to: Float.self) + c * columnStride, count: columnStride)
    }

    /// Mutable access to column `c`, for building (a feature set, a benchmark's data) before the shard is shared.
    public func mutableColumn(_ c: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: storage.assumingMemoryBound(to: Float.self) + c * columnStride, count: columnStride)
    }

    /// A shard derived from this one — its columns transformed or projected as `key` describes —
    /// built by `build` once and kept beside this shard until a different key is asked for, so a job's
    /// iterations (embedded, or on a worker's shard cache) derive it once, not once per iteration. It
    /// is freed with this shard; one derived shard is kept at a time.
    public func derived<E: Error>(key: [UInt8], build: () throws(E) -> FeatureShard) throws(E) -> FeatureShard {
        try derivedEntry.withLock { (entry: inout (key: [UInt8], shard: FeatureShard)?) throws(E) -> FeatureShard in
            if let entry, entry.key == key { return entry.shard }
            let shard = try build()
            entry = (key, shard)
            return shard
        }
    }

    /// The raw bytes (little-endian float32), as stored in the workspace.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: byteCount) }

    /// The XXH64 checksum of ``bytes``.
    public var checksum: String {
        var state = Checksum64()
        state.update(bytes)
        return state.hexDigest
    }

    /// A shard read from stored bytes (copied); throws `.corrupt` when the size does not match the layout.
    public static func decode(rowStart: Int, rowCount: Int, columnCount: Int, columnStride: Int, data: UnsafeRawBufferPointer) throws(OmnisegError) -> FeatureShard {
        let shard = FeatureShard(rowStart: rowStart, rowCount: rowCount, columnCount: columnCount)
        guard shard.columnStride == columnStride, data.count == shard.byteCount else {
            throw OmnisegError(.corrupt, "feature shard has \(data.count) bytes; its layout needs \(shard.byteCount)", context: [("row_start", "\(rowStart)")])
        }
        if let base = data.baseAddress { shard.storage.copyMemory(from: base, byteCount: data.count) }
        return shard
    }
}
