import OmnisegCore
import Workspace

/// What an incremental resolve starts from: every record's exact keys as the last resolve read them
/// (table `identity_key`), the records changed since (`identity_change`, appended by triggers), and
/// the options the keys were read with (an index read with other options is not used).
struct IdentityKeyIndex {
    /// A kind of exact key, as stored.
    enum Kind: Int64, CaseIterable, Sendable {
        case email = 0, loyalty = 1, phone = 2

        /// `record`'s normalized value of this kind (nil: none).
        func value(of record: IdentityResolver.Record) -> String? {
            switch self {
            case .email: record.email
            case .loyalty: record.loyalty
            case .phone: record.phone
            }
        }
    }

    /// One value of one kind of key.
    struct Key: Hashable, Comparable, Sendable {
        var kind: Kind
        var value: String

        static func < (a: Key, b: Key) -> Bool { (a.kind.rawValue, a.value) < (b.kind.rawValue, b.value) }
    }

    /// The records changed since the last resolve and the raw e-mails, phones and loyalty ids they
    /// had before a change (a superset of the keys the index holds for them).
    struct Changes {
        var records: Set<RecordKey> = []
        var formerKeys: [RecordKey: [Key]] = [:]
    }

    let db: SQLiteConnection

    private static let infoKey = "identity_index"

    /// What the people an index goes with were made with: an incremental resolve starts from an index
    /// only with the same (with matching, the stored model's largest block and review threshold are
    /// checked too: ``MatchStore/run(for:scope:)``).
    static func fingerprint(_ options: ResolveOptions) -> String {
        let keys = "max-records-per-key=\(options.maxRecordsPerKey);country=\(options.defaultCountryCode)"
        guard let match = options.probabilistic else { return "exact v1;" + keys }
        return "matching v1;" + keys + ";link=\(match.linkThreshold)"
    }

    /// The exact keys of `record`.
    static func keys(of record: IdentityResolver.Record) -> [Key] {
        Kind.allCases.compactMap { kind in kind.value(of: record).map { Key(kind: kind, value: $0) } }
    }

    /// Whether the stored index was read with `fingerprint` (and so can serve an incremental resolve).
    func serves(_ fingerprint: String) throws(OmnisegError) -> Bool {
        try db.scalar("SELECT value FROM workspace_info WHERE key = ?", [.text(Self.infoKey)])?.text == fingerprint
    }

    /// Called before a resolve reads every record: from now on changes are logged (the triggers log
    /// while the workspace has an index entry, usable or not), and the last entry logged so far is
    /// returned (0: none). The resolve resolved the changes up to that entry, not those logged while
    /// it read.
    func startFullRead() throws(OmnisegError) -> Int64 {
        try db.run("INSERT OR IGNORE INTO workspace_info (key, value) VALUES (?, 'being built')", [.text(Self.infoKey)])
        return try db.scalar("SELECT max(id) FROM identity_change")?.integer ?? 0
    }

    /// Replaces the index with `records`' keys, read for `fingerprint`, and removes the change log's
    /// entries up to `resolved` (those logged since stay for the next resolve).
    func replace(_ records: [IdentityResolver.Record], fingerprint: String, changesUpTo resolved: Int64) throws(OmnisegError) {
        try db.execute("DELETE FROM identity_key")
        try db.run("DELETE FROM identity_change WHERE id <= ?", [.integer(resolved)])
        // In the table's key order: inserted in record order, every key would cost a random B-tree
        // descent (at 10M records, far past the page cache). Records are in key order already, so
        // sorting by kind and value (an 8-byte prefix first) and then record gives the table's order.
        struct Row {
            var kind: UInt8
            var prefix: UInt64
            var record: Int32
        }
        func value(_ row: Row) -> String { Kind(rawValue: Int64(row.kind))?.value(of: records[Int(row.record)]) ?? "" }
        var rows: [Row] = []
        rows.reserveCapacity(records.count * 2)
        for (i, r) in records.enumerated() {
            for key in Self.keys(of: r) {
                var prefix: UInt64 = 0
                for (n, byte) in key.value.utf8.prefix(8).enumerated() { prefix |= UInt64(byte) << (56 - 8 * n) }
                rows.append(Row(kind: UInt8(key.kind.rawValue), prefix: prefix, record: Int32(i)))
            }
        }
        rows.sort { a, b in
            if a.kind != b.kind { return a.kind < b.kind }
            if a.prefix != b.prefix { return a.prefix < b.prefix }
            let x = value(a), y = value(b)
            if x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
            return a.record < b.record
        }
        let insert = try db.prepare("INSERT INTO identity_key (kind, value, source, source_id) VALUES (?, ?, ?, ?)")
        for row in rows {
            let r = records[Int(row.record)]
            insert.bind(Int64(row.kind), at: 1)
            insert.bind(value(row), at: 2)
            insert.bind(r.source, at: 3)
            insert.bind(r.sourceID, at: 4)
            try insert.runAndReset()
        }
        try db.run("INSERT OR REPLACE INTO workspace_info (key, value) VALUES (?, ?)", [.text(Self.infoKey), .text(fingerprint)])
    }

    /// How many records the change log names (with repeats): a cheap bound before reading it.
    func changeCount() throws(OmnisegError) -> Int {
        Int(try db.scalar("SELECT count(*) FROM identity_change")?.integer ?? 0)
    }

    /// The change log, its former raw values normalized with `normalizer`.
    func changes(_ normalizer: IdentifierNormalizer) throws(OmnisegError) -> Changes {
        var changes = Changes()
        let statement = try db.prepare("SELECT source, source_id, email, phone, loyalty_id FROM identity_change")
        while try statement.step() {
            let record = RecordKey(source: statement.string(at: 0) ?? "", sourceID: statement.string(at: 1) ?? "")
            changes.records.insert(record)
            var former: [Key] = []
            if let e = statement.string(at: 2).flatMap(normalizer.email) { former.append(Key(kind: .email, value: e)) }
            if let l = statement.string(at: 4).flatMap(normalizer.loyaltyID) { former.append(Key(kind: .loyalty, value: l)) }
            if let p = statement.string(at: 3).flatMap(normalizer.phone) { former.append(Key(kind: .phone, value: p)) }
            if !former.isEmpty { changes.formerKeys[record, default: []] += former }
        }
        return changes
    }

    /// Empties the change log (its changes are resolved).
    func clearChanges() throws(OmnisegError) {
        try db.execute("DELETE FROM identity_change")
    }

    /// Reads and writes single keys; one set of prepared statements for a resolve.
    struct Access {
        private let countStatement: SQLiteStatement
        private let membersStatement: SQLiteStatement
        private let holdsStatement: SQLiteStatement
        private let deleteStatement: SQLiteStatement
        private let insertStatement: SQLiteStatement

        init(_ index: IdentityKeyIndex) throws(OmnisegError) {
            let db = index.db
            countStatement = try db.prepare("SELECT count(*) FROM (SELECT 1 FROM identity_key WHERE kind = ? AND value = ? LIMIT ?)")
            membersStatement = try db.prepare("SELECT source, source_id FROM identity_key WHERE kind = ? AND value = ?")
            holdsStatement = try db.prepare("SELECT 1 FROM identity_key WHERE kind = ? AND value = ? AND source = ? AND source_id = ?")
            deleteStatement = try db.prepare("DELETE FROM identity_key WHERE kind = ? AND value = ? AND source = ? AND source_id = ?")
            insertStatement = try db.prepare("INSERT OR IGNORE INTO identity_key (kind, value, source, source_id) VALUES (?, ?, ?, ?)")
        }

        /// The records carrying `key`, counted up to `cap` (a placeholder e-mail on a million records
        /// is not counted to the end).
        func count(_ key: Key, cap: Int) throws(OmnisegError) -> Int {
            countStatement.reset()
            try countStatement.bind([.integer(key.kind.rawValue), .text(key.value), .integer(Int64(cap))])
            _ = try countStatement.step()
            return Int(countStatement.int64(at: 0))
        }

        /// The records carrying `key`.
        func members(_ key: Key) throws(OmnisegError) -> [RecordKey] {
            membersStatement.reset()
            try membersStatement.bind([.integer(key.kind.rawValue), .text(key.value)])
            var result: [RecordKey] = []
            while try membersStatement.step() {
                result.append(RecordKey(source: membersStatement.string(at: 0) ?? "", sourceID: membersStatement.string(at: 1) ?? ""))
            }
            return result
        }

        /// Whether the index holds `key` for `record`.
        func holds(_ key: Key, _ record: RecordKey) throws(OmnisegError) -> Bool {
            holdsStatement.reset()
            try holdsStatement.bind([.integer(key.kind.rawValue), .text(key.value), .text(record.source), .text(record.sourceID)])
            return try holdsStatement.step()
        }

        /// Removes `key` from `record` (`present` false) or adds it.
        func set(_ key: Key, _ record: RecordKey, present: Bool) throws(OmnisegError) {
            let statement = present ? insertStatement : deleteStatement
            try statement.bind([.integer(key.kind.rawValue), .text(key.value), .text(record.source), .text(record.sourceID)])
            try statement.runAndReset()
        }
    }
}
