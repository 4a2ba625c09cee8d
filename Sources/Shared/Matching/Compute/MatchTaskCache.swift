import OmnisegCore
import Synchronization

/// A match task's decoded input — its blocks and the records' flat table — and, once counted, its
/// pairs' comparison patterns, kept for the job's next iteration in this process: a job counts
/// patterns over a task's pairs, then scores the same pairs, and both need the same decoded blob,
/// the same table (names classed by the same frequencies) and the same patterns.
///
/// At most ``capacity`` bytes of blobs and patterns are kept, least recently used dropped first; a
/// hit is the same bytes (compared in full, not only by checksum) and the same frequencies, so a hit
/// is always what a fresh decode and comparison would give. A task run on another process than its
/// count (another worker) simply compares its pairs again.
enum MatchTaskCache {
    /// Bytes of blobs and patterns kept at most (the decoded tables take about as much again as the blobs).
    static let capacity = 256 << 20

    /// A task's decoded input, and its pairs' patterns in ``MatchBlocks/forEachCandidate(cancellation:_:)``
    /// order when this process counted them.
    struct Decoded {
        let blocks: MatchBlocks
        let table: MatchRecordTable
        let patterns: [ComparisonPattern]?
    }

    private struct Entry {
        var bytes: [UInt8]
        var checksum: UInt64
        var frequencies: TermFrequencies
        var decoded: Decoded
        var used: UInt64
        var size: Int { bytes.count + 8 * (decoded.patterns?.count ?? 0) }
    }

    private struct Store {
        var entries: [Entry] = []
        var clock: UInt64 = 0
        var size: Int { entries.reduce(0) { $0 + $1.size } }

        func find(_ bytes: [UInt8], _ checksum: UInt64, _ frequencies: TermFrequencies) -> Int? {
            entries.firstIndex { $0.checksum == checksum && $0.bytes == bytes && $0.frequencies == frequencies }
        }

        /// Adds `entry`, dropping the least recently used ones it does not fit beside.
        mutating func add(_ entry: Entry) {
            guard entry.size <= MatchTaskCache.capacity else { return }
            while !entries.isEmpty, size + entry.size > MatchTaskCache.capacity {
                if let oldest = entries.indices.min(by: { entries[$0].used < entries[$1].used }) { entries.remove(at: oldest) }
            }
            clock += 1
            var entry = entry
            entry.used = clock
            entries.append(entry)
        }
    }

    private static let store = Mutex(Store())

    /// The decoded blocks and table of `bytes` with names classed by `frequencies`, and the patterns
    /// of its pairs when they were counted here.
    static func decoded(_ bytes: [UInt8], frequencies: TermFrequencies) throws(OmnisegError) -> Decoded {
        let checksum = bytes.withUnsafeBytes { Checksum64.of($0) }
        let hit = store.withLock { store -> Decoded? in
            guard let i = store.find(bytes, checksum, frequencies) else { return nil }
            store.clock += 1
            store.entries[i].used = store.clock
            return store.entries[i].decoded
        }
        if let hit { return hit }
        let blocks = try MatchBlocks(decoding: bytes)
        let decoded = Decoded(blocks: blocks, table: MatchRecordTable(blocks.records, frequencies: frequencies), patterns: nil)
        store.withLock { $0.add(Entry(bytes: bytes, checksum: checksum, frequencies: frequencies, decoded: decoded, used: 0)) }
        return decoded
    }

    /// Drops every entry (tests start from an empty cache with it).
    static func removeAll() {
        store.withLock { $0.entries.removeAll() }
    }

    /// Keeps `patterns`, the comparison patterns of `decoded`'s pairs (of blob `bytes`, names classed
    /// by `frequencies`), for the scoring pass.
    static func remember(_ patterns: [ComparisonPattern], of decoded: Decoded, bytes: [UInt8], frequencies: TermFrequencies) {
        let checksum = bytes.withUnsafeBytes { Checksum64.of($0) }
        let counted = Decoded(blocks: decoded.blocks, table: decoded.table, patterns: patterns)
        store.withLock { store in
            if let i = store.find(bytes, checksum, frequencies) { store.entries.remove(at: i) }
            store.add(Entry(bytes: bytes, checksum: checksum, frequencies: frequencies, decoded: counted, used: 0))
        }
    }
}
