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
        try db.execute(BulkIndexes.drop(BulkIndexes.blockingIndex) + "DELETE FROM match_record; DELETE FROM match_pair;")
        let insert = try insertRecord()
        for i in keys.indices { try write(insert, keys[i], entries[i]) }
        try insertPairs(result, keys: keys) { _ in true }
        try db.execute(BulkIndexes.create(BulkIndexes.blockingIndex))
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

    /// Single records and blocks of the index, read by key (an incremental resolve's part).
    struct Lookup {
        private let entryStatement: SQLiteStatement
        private let countStatements: [SQLiteStatement]
        private let memberStatements: [SQLiteStatement]

        init(_ db: SQLiteConnection) throws(OmnisegError) {
            entryStatement = try db.prepare("SELECT digest, person, \(MatchIndexStore.keyColumns) FROM match_record WHERE source = ? AND source_id = ?")
            countStatements = try (0..<MatchIndexStore.rules).map { rule throws(OmnisegError) in
                try db.prepare("SELECT count(*) FROM (SELECT 1 FROM match_record WHERE key_\(rule) = ? LIMIT ?)")
            }
            memberStatements = try (0..<MatchIndexStore.rules).map { rule throws(OmnisegError) in
                try db.prepare("SELECT digest, person, \(MatchIndexStore.keyColumns), source, source_id FROM match_record WHERE key_\(rule) = ?")
            }
        }

        /// The entry of a row whose first columns are digest, person and the keys.
        private static func entry(_ row: SQLiteStatement) -> MatchIndexEntry {
            MatchIndexEntry(digest: UInt64(bitPattern: row.int64(at: 0)), person: UInt64(bitPattern: row.int64(at: 1)),
                            keys: (Int32(2)..<Int32(2 + MatchIndexStore.rules)).map { row.isNull(at: $0) ? nil : UInt64(bitPattern: row.int64(at: $0)) })
        }

        /// The stored entry of `key` (nil: not in the index).
        func entry(_ key: RecordKey) throws(OmnisegError) -> MatchIndexEntry? {
            entryStatement.reset()
            try entryStatement.bind([.text(key.source), .text(key.sourceID)])
            return try entryStatement.step() ? Self.entry(entryStatement) : nil
        }

        /// How many records the index has in block `key` of `rule`, counted up to `cap`.
        func count(rule: Int, key: UInt64, cap: Int) throws(OmnisegError) -> Int {
            let statement = countStatements[rule]
            statement.reset()
            try statement.bind([.integer(Int64(bitPattern: key)), .integer(Int64(cap))])
            _ = try statement.step()
            return Int(statement.int64(at: 0))
        }

        /// The records the index has in block `key` of `rule`, with their entries.
        func members(rule: Int, key: UInt64) throws(OmnisegError) -> [(RecordKey, MatchIndexEntry)] {
            let statement = memberStatements[rule]
            statement.reset()
            try statement.bind([.integer(Int64(bitPattern: key))])
            var result: [(RecordKey, MatchIndexEntry)] = []
            let at = Int32(2 + MatchIndexStore.rules)
            while try statement.step() {
                result.append((RecordKey(source: statement.string(at: at) ?? "", sourceID: statement.string(at: at + 1) ?? ""), Self.entry(statement)))
            }
            return result
        }
    }

    /// Brings the index up to an incremental resolve of a part: the entries of its new and changed
    /// records, its removed records and their pairs gone, the pairs of its dirty records replaced.
    func update(part outcome: PartMatch.Outcome) throws(OmnisegError) {
        let insert = try insertRecord()
        for (key, entry) in outcome.entries { try write(insert, key, entry) }
        let deleteRecord = try db.prepare("DELETE FROM match_record WHERE source = ? AND source_id = ?")
        let deletePairs = try db.prepare("DELETE FROM match_pair WHERE (source_a = ?1 AND source_id_a = ?2) OR (source_b = ?1 AND source_id_b = ?2)")
        for key in outcome.removed {
            try deleteRecord.bind([.text(key.source), .text(key.sourceID)])
            try deleteRecord.runAndReset()
        }
        for key in outcome.removed + outcome.dirty.sorted() {
            try deletePairs.bind([.text(key.source), .text(key.sourceID)])
            try deletePairs.runAndReset()
        }
        let insertPair = try db.prepare("INSERT OR REPLACE INTO match_pair (source_a, source_id_a, source_b, source_id_b, pattern) VALUES (?, ?, ?, ?, ?)")
        for pair in outcome.pairs {
            let (x, y) = RecordKey.ordered(pair.a, pair.b)
            try insertPair.bind([.text(x.source), .text(x.sourceID), .text(y.source), .text(y.sourceID), .integer(Int64(bitPattern: pair.pattern.bits))])
            try insertPair.runAndReset()
        }
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
