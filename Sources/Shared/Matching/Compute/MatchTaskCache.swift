import OmnisegCore
import Synchronization

/// A match task's decoded input — its blocks and the records' flat table — kept for the job's next
/// iteration in this process: a job counts patterns over a task's pairs, then scores the same pairs,
/// and both need the same decoded blob and table (names classed by the same frequencies).
///
/// At most ``capacity`` bytes of blobs are kept, least recently used dropped first; a hit is the same
/// bytes (compared in full, not only by checksum) and the same frequencies, so a hit is always the
/// input a fresh decode would give.
enum MatchTaskCache {
    /// Blob bytes kept at most (their decoded form takes about as much again).
    static let capacity = 256 << 20

    private struct Entry {
        var bytes: [UInt8]
        var checksum: UInt64
        var frequencies: TermFrequencies
        var blocks: MatchBlocks
        var table: MatchRecordTable
        var used: UInt64
    }

    private struct Store {
        var entries: [Entry] = []
        var clock: UInt64 = 0
        var bytes: Int { entries.reduce(0) { $0 + $1.bytes.count } }
    }

    private static let store = Mutex(Store())

    /// The decoded blocks and table of `bytes` with names classed by `frequencies`.
    static func decoded(_ bytes: [UInt8], frequencies: TermFrequencies) throws(OmnisegError) -> (MatchBlocks, MatchRecordTable) {
        let checksum = bytes.withUnsafeBytes { Checksum64.of($0) }
        let hit = store.withLock { store -> (MatchBlocks, MatchRecordTable)? in
            guard let i = store.entries.firstIndex(where: { $0.checksum == checksum && $0.bytes == bytes && $0.frequencies == frequencies }) else {
                return nil
            }
            store.clock += 1
            store.entries[i].used = store.clock
            return (store.entries[i].blocks, store.entries[i].table)
        }
        if let hit { return hit }
        let blocks = try MatchBlocks(decoding: bytes)
        let table = MatchRecordTable(blocks.records, frequencies: frequencies)
        guard bytes.count <= capacity else { return (blocks, table) }
        store.withLock { store in
            while !store.entries.isEmpty, store.bytes + bytes.count > capacity {
                if let oldest = store.entries.indices.min(by: { store.entries[$0].used < store.entries[$1].used }) { store.entries.remove(at: oldest) }
            }
            store.clock += 1
            store.entries.append(Entry(bytes: bytes, checksum: checksum, frequencies: frequencies, blocks: blocks, table: table, used: store.clock))
        }
        return (blocks, table)
    }
}
