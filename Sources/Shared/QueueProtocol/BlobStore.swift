import OmnisegCore
import RedisClient

/// A content-addressed blob: its XXH64, size and chunking. Two equal byte strings have one reference.
public struct BlobReference: Sendable, Hashable {
    public var digest: UInt64
    public var byteCount: Int
    public var chunkBytes: Int

    package init(digest: UInt64, byteCount: Int, chunkBytes: Int) {
        self.digest = digest
        self.byteCount = byteCount
        self.chunkBytes = chunkBytes
    }

    public var chunkCount: Int { byteCount == 0 ? 0 : (byteCount + chunkBytes - 1) / chunkBytes }

    /// The Redis key of the blob's marker; chunk `i` is at `key:i`.
    public var key: String {
        let hex = String(digest, radix: 16)
        return "omniseg:blob:" + String(repeating: "0", count: 16 - hex.count) + hex + "-\(byteCount)"
    }

    /// The reference as text, for a field of a job's hash: `digest-bytes-chunk`, digest in hex.
    public var text: String { "\(String(digest, radix: 16))-\(byteCount)-\(chunkBytes)" }

    /// Reads ``text``; nil when it is not one.
    public init?(text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let digest = UInt64(parts[0], radix: 16), let size = UInt64(parts[1]), let chunk = Int(parts[2]),
              size <= BlobStore.maxBlobBytes, chunk >= 4096, chunk <= BlobStore.maxChunkBytes else { return nil }
        self.init(digest: digest, byteCount: Int(size), chunkBytes: chunk)
    }

    func encode(into writer: inout WireWriter) {
        writer.u64(digest)
        writer.u64(UInt64(byteCount))
        writer.u32(UInt32(chunkBytes))
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> BlobReference {
        let digest = try reader.u64()
        let size = try reader.u64()
        let chunk = try reader.u32()
        guard size <= BlobStore.maxBlobBytes, chunk >= 4096, chunk <= BlobStore.maxChunkBytes else {
            throw reader.failure("blob reference of \(size) bytes in chunks of \(chunk) is out of bounds")
        }
        return BlobReference(digest: digest, byteCount: Int(size), chunkBytes: Int(chunk))
    }
}

/// Immutable, checksummed blobs in Redis, split into chunks and moved with pipelining.
///
/// Writing is idempotent: the chunks go first and the marker key last, so a blob whose marker exists
/// is complete, and a second upload of the same bytes is skipped. Reading verifies size and XXH64.
public struct BlobStore {
    /// Chunk size for new blobs: 1 MiB (hiredis moves 256 KiB–1 MiB chunks fastest).
    public static let defaultChunkBytes = 1 << 20
    public static let maxChunkBytes = 64 << 20
    /// The largest blob accepted (4 GiB).
    public static let maxBlobBytes: UInt64 = 4 << 30
    /// Chunks per pipeline round trip.
    static let chunksPerPipeline = 8

    private let connection: RedisConnection

    public init(connection: RedisConnection) { self.connection = connection }

    /// The reference `bytes` would have.
    public static func reference(for bytes: UnsafeRawBufferPointer, chunkBytes: Int = defaultChunkBytes) -> BlobReference {
        BlobReference(digest: Checksum64.of(bytes), byteCount: bytes.count, chunkBytes: chunkBytes)
    }

    /// Stores `bytes` unless an equal blob is already there; returns its reference and whether it was
    /// uploaded. With `expireSeconds` (iteration states), the blob is written with that expiry
    /// whether or not it was there, chunks and marker in the same pipelines (one round trip for a
    /// state of one chunk), so it lives that long after this call.
    @discardableResult
    public func put(_ bytes: UnsafeRawBufferPointer, expireSeconds: Int? = nil) throws(OmnisegError) -> (reference: BlobReference, uploaded: Bool) {
        let reference = Self.reference(for: bytes)
        if expireSeconds == nil, try connection.run("EXISTS", reference.key).integer == 1 { return (reference, false) }
        var batch: [RedisCommand] = []
        for i in 0..<reference.chunkCount {
            batch.append(Self.setChunk(i, of: bytes, reference, expireSeconds))
            if batch.count == Self.chunksPerPipeline, i + 1 < reference.chunkCount {
                try check(connection.pipeline(batch))
                batch.removeAll(keepingCapacity: true)
            }
        }
        batch.append(Self.setMarker(reference, expireSeconds))
        try check(connection.pipeline(batch))
        return (reference, true)
    }

    /// The commands that store `bytes` with `expireSeconds` (as ``put(_:expireSeconds:)`` does), for a
    /// caller to send in its own pipeline with other commands: one round trip for a small iteration
    /// state. Nil when the blob needs more chunks than one pipeline carries.
    public static func putCommands(_ bytes: [UInt8], expireSeconds: Int) -> (reference: BlobReference, commands: [RedisCommand])? {
        bytes.withUnsafeBytes { raw in
            let reference = Self.reference(for: raw)
            guard reference.chunkCount < chunksPerPipeline else { return nil }
            return (reference, (0..<reference.chunkCount).map { setChunk($0, of: raw, reference, expireSeconds) } + [setMarker(reference, expireSeconds)])
        }
    }

    private static func set(_ key: String, _ value: [UInt8], _ expireSeconds: Int?) -> RedisCommand {
        expireSeconds.map { RedisCommand("SET", key, value, "EX", $0) } ?? RedisCommand("SET", key, value)
    }

    private static func setChunk(_ i: Int, of bytes: UnsafeRawBufferPointer, _ reference: BlobReference, _ expireSeconds: Int?) -> RedisCommand {
        let lower = i * reference.chunkBytes
        let upper = min(bytes.count, lower + reference.chunkBytes)
        return set("\(reference.key):\(i)", Array(bytes[lower..<upper]), expireSeconds)
    }

    /// The marker goes last, after every chunk: a blob whose marker exists is complete.
    private static func setMarker(_ reference: BlobReference, _ expireSeconds: Int?) -> RedisCommand {
        set(reference.key, Array("\(reference.chunkCount)".utf8), expireSeconds)
    }

    /// Stores `bytes` as ``put(_:expireSeconds:)`` does.
    @discardableResult
    public func put(_ bytes: [UInt8], expireSeconds: Int? = nil) throws(OmnisegError) -> (reference: BlobReference, uploaded: Bool) {
        try bytes.withUnsafeBytes { raw in Result { () throws(OmnisegError) in try put(raw, expireSeconds: expireSeconds) } }.get()
    }

    /// Reads and verifies a blob; throws `.notFound` when it is missing and `.corrupt` when it fails its checksum.
    public func get(_ reference: BlobReference) throws(OmnisegError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(reference.byteCount)
        var i = 0
        while i < reference.chunkCount {
            let upper = min(reference.chunkCount, i + Self.chunksPerPipeline)
            let replies = try connection.pipeline((i..<upper).map { RedisCommand("GET", "\(reference.key):\($0)") })
            for (offset, reply) in replies.enumerated() {
                guard case .bulk(let chunk) = reply else {
                    throw OmnisegError(.notFound, "blob \(reference.key) is missing chunk \(i + offset) in Redis", context: [("blob", reference.key)])
                }
                bytes.append(contentsOf: chunk)
            }
            i = upper
        }
        guard bytes.count == reference.byteCount else {
            throw OmnisegError(.corrupt, "blob \(reference.key) has \(bytes.count) bytes in Redis; its reference says \(reference.byteCount)")
        }
        let digest = bytes.withUnsafeBytes { Checksum64.of($0) }
        guard digest == reference.digest else {
            throw OmnisegError(.corrupt, "blob \(reference.key) fails its checksum (computed \(String(digest, radix: 16)))")
        }
        return bytes
    }

    private func check(_ replies: [RedisReply]) throws(OmnisegError) {
        for reply in replies {
            if let message = reply.errorMessage { throw RedisConnection.serverError(message, command: "SET", endpoint: connection.endpoint) }
        }
    }
}
