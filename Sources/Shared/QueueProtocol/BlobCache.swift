import Features
import OmnisegCore
import Synchronization

/// A worker's cache of decoded feature shards.
public typealias ShardCache = BlobCache<FeatureShard>

/// A worker's cache of what it decoded from blobs (feature shards, per-shard job data), keyed by the
/// blob reference, least recently used first out, within a byte budget counted in blob bytes.
///
/// Thread-safe (a mutex around the map): the worker's task threads share it. A value whose blob is
/// larger than the whole budget is returned but not kept.
public final class BlobCache<Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        var lastUse: UInt64
    }

    private struct State {
        var entries: [BlobReference: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
        var bytesLoaded = 0
    }

    public let budgetBytes: Int
    private let state = Mutex(State())

    public init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    /// The cached value for `reference`, or the one `load` produces (then cached, evicting the least
    /// recently used values until it fits).
    public func value(for reference: BlobReference, load: () throws(OmnisegError) -> Value) throws(OmnisegError) -> Value {
        let cached = state.withLock { s -> Value? in
            s.clock += 1
            guard var entry = s.entries[reference] else { s.misses += 1; return nil }
            entry.lastUse = s.clock
            s.entries[reference] = entry
            s.hits += 1
            return entry.value
        }
        if let cached { return cached }
        let loaded = try load()
        state.withLock { s in
            s.bytesLoaded += reference.byteCount
            guard reference.byteCount <= budgetBytes, s.entries[reference] == nil else { return }
            while s.bytes + reference.byteCount > budgetBytes, let victim = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                s.entries[victim.key] = nil
                s.bytes -= victim.key.byteCount
            }
            s.clock += 1
            s.entries[reference] = Entry(value: loaded, lastUse: s.clock)
            s.bytes += reference.byteCount
        }
        return loaded
    }

    /// What the cache holds and has done, for the worker's registration.
    public var statistics: (shards: Int, bytes: Int, hits: Int, misses: Int, bytesLoaded: Int) {
        state.withLock { ($0.entries.count, $0.bytes, $0.hits, $0.misses, $0.bytesLoaded) }
    }

    /// Whether `reference` is cached (without touching its recency).
    public func contains(_ reference: BlobReference) -> Bool { state.withLock { $0.entries[reference] != nil } }
}
