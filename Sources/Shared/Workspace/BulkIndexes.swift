/// Secondary indexes that a bulk rewrite of their table drops and builds again afterwards: SQLite
/// builds an index from sorted keys far faster than it keeps one up to date through inserts in
/// random key order (the blocking keys are hashes).
public enum BulkIndexes {
    /// The blocking index's lookups: a block's members by rule and key, a record's pairs by either record.
    public static let blockingIndex = [
        "match_record_key_0 ON match_record(key_0) WHERE key_0 IS NOT NULL",
        "match_record_key_1 ON match_record(key_1) WHERE key_1 IS NOT NULL",
        "match_record_key_2 ON match_record(key_2) WHERE key_2 IS NOT NULL",
        "match_record_key_3 ON match_record(key_3) WHERE key_3 IS NOT NULL",
        "match_pair_b ON match_pair(source_b, source_id_b)",
    ]

    /// The statements that create `indexes` (each "NAME ON TABLE(...)").
    public static func create(_ indexes: [String]) -> String {
        indexes.map { "CREATE INDEX IF NOT EXISTS \($0);" }.joined(separator: "\n")
    }

    /// The statements that drop `indexes`.
    public static func drop(_ indexes: [String]) -> String {
        indexes.map { "DROP INDEX IF EXISTS \($0.prefix { $0 != " " });" }.joined(separator: "\n")
    }
}
