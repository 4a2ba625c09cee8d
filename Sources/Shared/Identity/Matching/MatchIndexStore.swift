import Matching
import OmnisegCore
import Workspace

/// The blocking index in the workspace (tables `match_record` and `match_pair`): what an incremental
/// resolve compares new and changed records against.
struct MatchIndexStore {
    let db: SQLiteConnection

    /// The index as stored, read against the records now (`lookup`: (source, source_id) → index,
    /// `keys`: each record's key).
    struct Loaded {
        /// Per record now, its entry in the index (nil: not in it, a new record).
        var previous: [MatchIndexEntry?]
        /// Records in the index that are no longer in the workspace, with their entries.
        var removed: [(key: RecordKey, entry: MatchIndexEntry)]
        /// Stored pairs of two records still present.
        var pairs: [IncrementalMatch.StoredPair]
        /// Stored pairs with a record no longer present.
        var orphanPairs: [(RecordKey, RecordKey)]
    }

    /// A record's key under blocking rule n is column `key_n`.
    static let rules = ProbabilisticLinker.blockingRules.count
    static let keyColumns = (0..<rules).map { "key_\($0)" }.joined(separator: ", ")

    func load(lookup: ByteKeyTable, count: Int) throws(OmnisegError) -> Loaded {
        var loaded = Loaded(previous: Array(repeating: nil, count: count), removed: [], pairs: [], orphanPairs: [])
        let rows = try db.prepare("SELECT source, source_id, digest, person, \(Self.keyColumns) FROM match_record")
        while try rows.step() {
            let entry = MatchIndexEntry(digest: UInt64(bitPattern: rows.int64(at: 2)), person: UInt64(bitPattern: rows.int64(at: 3)),
                                        keys: (Int32(4)..<Int32(4 + Self.rules)).map { rows.isNull(at: $0) ? nil : UInt64(bitPattern: rows.int64(at: $0)) })
            if let i = rows.withBytes(at: 0, { s in rows.withBytes(at: 1) { id in lookup.find(s, id) } }) {
                loaded.previous[Int(i)] = entry
            } else {
                loaded.removed.append((RecordKey(source: rows.string(at: 0) ?? "", sourceID: rows.string(at: 1) ?? ""), entry))
            }
        }
        let pairs = try db.prepare("SELECT source_a, source_id_a, source_b, source_id_b, pattern FROM match_pair")
        while try pairs.step() {
            let a = pairs.withBytes(at: 0) { s in pairs.withBytes(at: 1) { id in lookup.find(s, id) } }
            let b = pairs.withBytes(at: 2) { s in pairs.withBytes(at: 3) { id in lookup.find(s, id) } }
            guard let a, let b else {
                loaded.orphanPairs.append((RecordKey(source: pairs.string(at: 0) ?? "", sourceID: pairs.string(at: 1) ?? ""),
                                           RecordKey(source: pairs.string(at: 2) ?? "", sourceID: pairs.string(at: 3) ?? "")))
                continue
            }
            loaded.pairs.append(IncrementalMatch.StoredPair(a: Int(a), b: Int(b), pattern: try Self.pattern(pairs.int64(at: 4))))
        }
        return loaded
    }

    /// Replaces the whole index: every record's entry and the result's pairs (links and review band).
    func replace(keys: [RecordKey], entries: [MatchIndexEntry], result: MatchResult) throws(OmnisegError) {
        try db.execute("DELETE FROM match_record; DELETE FROM match_pair;")
        let insert = try insertRecord()
        for i in keys.indices { try write(insert, keys[i], entries[i]) }
        try insertPairs(result, keys: keys) { _ in true }
    }

    /// Brings the index up to an incremental resolve: the entries of records new or changed, removed
    /// records and their pairs gone, the pairs of dirty records replaced by what was found now.
    func update(keys: [RecordKey], entries: [MatchIndexEntry], loaded: Loaded, outcome: IncrementalMatch.Outcome) throws(OmnisegError) {
        let insert = try insertRecord()
        for i in keys.indices where loaded.previous[i] != entries[i] { try write(insert, keys[i], entries[i]) }
        let deleteRecord = try db.prepare("DELETE FROM match_record WHERE source = ? AND source_id = ?")
        for (key, _) in loaded.removed {
            try deleteRecord.bind([.text(key.source), .text(key.sourceID)])
            try deleteRecord.runAndReset()
        }
        let deletePair = try db.prepare("DELETE FROM match_pair WHERE source_a = ? AND source_id_a = ? AND source_b = ? AND source_id_b = ?")
        for (a, b) in loaded.orphanPairs + outcome.dropped.map({ (keys[$0.a], keys[$0.b]) }) {
            let (x, y) = RecordKey.ordered(a, b)
            try deletePair.bind([.text(x.source), .text(x.sourceID), .text(y.source), .text(y.sourceID)])
            try deletePair.runAndReset()
        }
        try insertPairs(outcome.result, keys: keys) { outcome.dirty[$0.a] || outcome.dirty[$0.b] }
    }

    /// A pattern as `match_pair` stores it (its bits as a signed integer), checked against this build's fields.
    static func pattern(_ stored: Int64) throws(OmnisegError) -> ComparisonPattern {
        guard let pattern = ComparisonPattern(bits: UInt64(bitPattern: stored), fields: ProbabilisticLinker.fields) else {
            throw OmnisegError(.corrupt, "match_pair holds a comparison pattern of levels this build does not have: run `omniseg resolve --refit`")
        }
        return pattern
    }

    private func insertRecord() throws(OmnisegError) -> SQLiteStatement {
        try db.prepare("""
            INSERT OR REPLACE INTO match_record (source, source_id, digest, person, \(Self.keyColumns))
            VALUES (?, ?, ?, ?, \(Array(repeating: "?", count: Self.rules).joined(separator: ", ")))
            """)
    }

    private func write(_ insert: SQLiteStatement, _ key: RecordKey, _ entry: MatchIndexEntry) throws(OmnisegError) {
        insert.bind(key.source, at: 1)
        insert.bind(key.sourceID, at: 2)
        insert.bind(Int64(bitPattern: entry.digest), at: 3)
        insert.bind(Int64(bitPattern: entry.person), at: 4)
        for (n, value) in entry.keys.enumerated() {
            if let value { insert.bind(Int64(bitPattern: value), at: Int32(5 + n)) } else { insert.bindNull(at: Int32(5 + n)) }
        }
        try insert.runAndReset()
    }

    private func insertPairs(_ result: MatchResult, keys: [RecordKey], where keep: (ProbabilisticLinker.Scored) -> Bool) throws(OmnisegError) {
        let insert = try db.prepare("""
            INSERT OR REPLACE INTO match_pair (source_a, source_id_a, source_b, source_id_b, pattern) VALUES (?, ?, ?, ?, ?)
            """)
        for pair in result.links + result.review where keep(pair) {
            let (x, y) = RecordKey.ordered(keys[pair.a], keys[pair.b])
            insert.bind(x.source, at: 1)
            insert.bind(x.sourceID, at: 2)
            insert.bind(y.source, at: 3)
            insert.bind(y.sourceID, at: 4)
            insert.bind(Int64(bitPattern: pair.pattern.bits), at: 5)
            try insert.runAndReset()
        }
    }
}
