import Foundation
import Matching
import OmnisegCore
import Workspace

/// A source record by its key, written `SOURCE:ID` on the command line (split at the first colon).
public struct RecordKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let source: String
    public let sourceID: String

    public init(source: String, sourceID: String) {
        self.source = source
        self.sourceID = sourceID
    }

    /// Parses `SOURCE:ID`.
    public init(parsing text: String) throws(OmnisegError) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
            throw OmnisegError(.badInput, "'\(text)' is not a record: expected SOURCE:ID, e.g. pos:C1042")
        }
        self.init(source: String(text[..<colon]), sourceID: String(text[text.index(after: colon)...]))
    }

    public var description: String { "\(source):\(sourceID)" }

    public static func < (a: RecordKey, b: RecordKey) -> Bool { (a.source, a.sourceID) < (b.source, b.sourceID) }

    /// The pair in stored order (the smaller key first).
    static func ordered(_ a: RecordKey, _ b: RecordKey) -> (RecordKey, RecordKey) { a < b ? (a, b) : (b, a) }
}

/// A pair the last probabilistic resolve left between the review and link thresholds.
public struct ReviewPair: Sendable, Equatable {
    public let a: RecordKey
    public let b: RecordKey
    public let probability: Double
    public let weight: Double
}

/// The model the last probabilistic resolve used, with its thresholds.
public struct StoredMatchModel: Sendable {
    public let model: MatchModel
    public let generation: Int64
    public let linkThreshold: Double
    public let reviewThreshold: Double
    /// The largest block the blocking index was built with (nil: no index).
    public let maxBlock: Int?
}

/// Probabilistic matching's tables in the workspace: the last model, its review band and people's
/// labels on record pairs.
public struct MatchStore {
    public let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    /// Stores a label: the two records are the same person (`same`) or not. Both must be customer
    /// records of the workspace. A new label on the same pair replaces the old one.
    public func label(_ a: RecordKey, _ b: RecordKey, same: Bool) throws(OmnisegError) {
        guard a != b else { throw OmnisegError(.badInput, "a record cannot be labelled against itself (\(a))") }
        for key in [a, b] where try record(key) == nil {
            throw OmnisegError(.notFound, "no customer record \(key) in the workspace")
        }
        let (x, y) = RecordKey.ordered(a, b)
        try workspace.db.run("""
            INSERT INTO match_label (source_a, source_id_a, source_b, source_id_b, same, labelled_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (source_a, source_id_a, source_b, source_id_b) DO UPDATE SET same = excluded.same, labelled_at = excluded.labelled_at
            """, [.text(x.source), .text(x.sourceID), .text(y.source), .text(y.sourceID), .integer(same ? 1 : 0), .integer(Int64(Date().timeIntervalSince1970))])
    }

    /// Every label: (first record, second record, same person).
    public func labels() throws(OmnisegError) -> [(RecordKey, RecordKey, Bool)] {
        try workspace.db.rows("SELECT source_a, source_id_a, source_b, source_id_b, same FROM match_label ORDER BY 1, 2, 3, 4").map { r in
            (RecordKey(source: r[0].text ?? "", sourceID: r[1].text ?? ""), RecordKey(source: r[2].text ?? "", sourceID: r[3].text ?? ""), r[4].integer == 1)
        }
    }

    /// The label on `a` and `b` (true: same person), or nil.
    public func label(of a: RecordKey, _ b: RecordKey) throws(OmnisegError) -> Bool? {
        let (x, y) = RecordKey.ordered(a, b)
        return try workspace.db.scalar("SELECT same FROM match_label WHERE source_a = ? AND source_id_a = ? AND source_b = ? AND source_id_b = ?",
                                       [.text(x.source), .text(x.sourceID), .text(y.source), .text(y.sourceID)])?.integer.map { $0 == 1 }
    }

    /// Replaces the stored model with a resolve's (inside the resolve's transaction); its review band
    /// is the blocking index's pairs between the thresholds (``review(limit:)``). A model fitted
    /// before keeps its fitting time.
    func save(_ model: MatchModel, options: MatchOptions, generation: Int64, candidates: Int) throws(OmnisegError) {
        let db = workspace.db
        let before = try db.rows("SELECT model, fitted_at FROM match_model ORDER BY id DESC LIMIT 1").first
        let fittedAt = before?[0].blob == model.encoded ? before?[1].integer : nil
        try db.execute("DELETE FROM match_model")
        try db.run("""
            INSERT INTO match_model (generation, fitted_at, link_threshold, review_threshold, candidates, model, max_block) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.integer(generation), .integer(fittedAt ?? Int64(Date().timeIntervalSince1970)), .real(options.linkThreshold),
                  .real(options.reviewThreshold), .integer(Int64(candidates)), .blob(model.encoded), .integer(Int64(options.maxBlock))])
    }

    /// The model of the last probabilistic resolve, or nil when there was none.
    public func model() throws(OmnisegError) -> StoredMatchModel? {
        guard let (stored, current) = try read() else { return nil }
        // Explanations compare records with today's fields and levels: a model of others would misread them.
        guard current else {
            throw OmnisegError(.precondition, "the stored match model compares other fields than this build: run `omniseg resolve --probabilistic --refit`")
        }
        return stored
    }

    /// Whether a probabilistic resolve has stored a model here (of this build's fields or not).
    public func hasModel() throws(OmnisegError) -> Bool {
        try workspace.db.scalar("SELECT count(*) FROM match_model")?.integer ?? 0 > 0
    }

    /// The stored model when it compares this build's fields, else nil (a resolve then fits a new one).
    func storedModel(for options: MatchOptions) throws(OmnisegError) -> StoredMatchModel? {
        guard let (stored, current) = try read(), current else { return nil }
        return stored
    }

    /// What a probabilistic resolve with `options` does within `scope`: compare only new and changed
    /// records when the blocking index was built with the same largest block and review threshold,
    /// else score every pair with the stored model, else fit one.
    func run(for options: MatchOptions, scope: MatchScope) throws(OmnisegError) -> PlannedMatch {
        guard scope != .refit, let stored = try storedModel(for: options) else { return .fit }
        if scope == .incremental, stored.maxBlock == options.maxBlock, stored.reviewThreshold == options.reviewThreshold {
            return .incremental(stored.model)
        }
        return .storedModel(stored.model)
    }

    /// How a probabilistic resolve with `options` within `scope` would run now.
    public func plannedRun(for options: MatchOptions, scope: MatchScope) throws(OmnisegError) -> MatchRun {
        try run(for: options, scope: scope).kind
    }

    /// The stored model row, and whether its model compares this build's fields.
    private func read() throws(OmnisegError) -> (StoredMatchModel, Bool)? {
        guard let row = try workspace.db.rows("""
            SELECT model, generation, link_threshold, review_threshold, max_block FROM match_model ORDER BY id DESC LIMIT 1
            """).first else {
            return nil
        }
        guard let blob = row[0].blob else { throw OmnisegError(.corrupt, "the stored match model has no bytes") }
        let model = try MatchModel(decoding: blob)
        let current = model.compares(ProbabilisticLinker.fields)
        let stored = StoredMatchModel(model: model, generation: row[1].integer ?? 0, linkThreshold: row[2].real ?? 1, reviewThreshold: row[3].real ?? 1,
                                      maxBlock: row[4].integer.map { Int($0) })
        return (stored, current)
    }

    /// The review band of the last probabilistic resolve: the stored pairs (`match_pair`) from its
    /// review threshold up to its link threshold that no label decides, most probable first; at most `limit`.
    public func review(limit: Int) throws(OmnisegError) -> (pairs: [ReviewPair], total: Int) {
        guard let stored = try model() else { return ([], 0) }
        var probabilities = PatternProbabilities(stored.model)
        var band: [(a: RecordKey, b: RecordKey, pattern: ComparisonPattern, probability: Double)] = []
        let rows = try workspace.db.prepare("""
            SELECT p.source_a, p.source_id_a, p.source_b, p.source_id_b, p.pattern FROM match_pair p
            LEFT JOIN match_label l USING (source_a, source_id_a, source_b, source_id_b) WHERE l.same IS NULL
            """)
        while try rows.step() {
            let pattern = try MatchIndexStore.pattern(rows.int64(at: 4))
            let p = probabilities.probability(pattern)
            guard p >= stored.reviewThreshold, p < stored.linkThreshold else { continue }
            band.append((RecordKey(source: rows.string(at: 0) ?? "", sourceID: rows.string(at: 1) ?? ""),
                         RecordKey(source: rows.string(at: 2) ?? "", sourceID: rows.string(at: 3) ?? ""), pattern, p))
        }
        band.sort { ($0.probability, $1.a, $1.b) > ($1.probability, $0.a, $0.b) }
        let pairs = band.prefix(limit).map { p in
            ReviewPair(a: p.a, b: p.b, probability: p.probability, weight: stored.model.priorWeight + stored.model.weight(p.pattern))
        }
        return (pairs, band.count)
    }

    /// A customer record's matching fields and its person now (nil person: not resolved yet), or nil
    /// when the workspace has no such customer record.
    public func record(_ key: RecordKey) throws(OmnisegError) -> (record: MatchRecord, person: Int64?, rule: String?)? {
        guard let r = try workspace.db.rows("""
            SELECT c.first_name, c.last_name, c.birth_date, c.street, c.postcode, c.city, l.person_id, l.rule
            FROM customer_record c LEFT JOIN person_link l ON l.source = c.source AND l.source_id = c.source_id
            WHERE c.source = ? AND c.source_id = ?
            """, [.text(key.source), .text(key.sourceID)]).first else { return nil }
        let record = MatchRecord(firstName: r[0].text, lastName: r[1].text, birthDate: r[2].text, street: r[3].text, postcode: r[4].text, city: r[5].text)
        return (record, r[6].integer, r[7].text)
    }
}
