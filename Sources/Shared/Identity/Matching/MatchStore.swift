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
        try workspace.db.run("DELETE FROM match_review WHERE source_a = ? AND source_id_a = ? AND source_b = ? AND source_id_b = ?",
                             [.text(x.source), .text(x.sourceID), .text(y.source), .text(y.sourceID)])
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

    /// Replaces the stored model and review band with a resolve's (inside the resolve's transaction).
    /// A model fitted before keeps its fitting time.
    func save(_ model: MatchModel, options: MatchOptions, generation: Int64, candidates: Int, review: [ReviewPair]) throws(OmnisegError) {
        let db = workspace.db
        let before = try db.rows("SELECT model, fitted_at FROM match_model ORDER BY id DESC LIMIT 1").first
        let fittedAt = before?[0].blob == model.encoded ? before?[1].integer : nil
        try db.execute("DELETE FROM match_model; DELETE FROM match_review;")
        try db.run("""
            INSERT INTO match_model (generation, fitted_at, link_threshold, review_threshold, candidates, model, max_block) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.integer(generation), .integer(fittedAt ?? Int64(Date().timeIntervalSince1970)), .real(options.linkThreshold),
                  .real(options.reviewThreshold), .integer(Int64(candidates)), .blob(model.encoded), .integer(Int64(options.maxBlock))])
        let insert = try db.prepare("""
            INSERT OR REPLACE INTO match_review (source_a, source_id_a, source_b, source_id_b, probability, weight) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for pair in review {
            let (x, y) = RecordKey.ordered(pair.a, pair.b)
            try insert.bind([.text(x.source), .text(x.sourceID), .text(y.source), .text(y.sourceID), .real(pair.probability), .real(pair.weight)])
            try insert.runAndReset()
        }
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
        let current = model.fields.map(\.name) == ProbabilisticLinker.fields.map(\.name) && model.fields.map(\.levels) == ProbabilisticLinker.fields.map(\.levels)
        let stored = StoredMatchModel(model: model, generation: row[1].integer ?? 0, linkThreshold: row[2].real ?? 1, reviewThreshold: row[3].real ?? 1,
                                      maxBlock: row[4].integer.map { Int($0) })
        return (stored, current)
    }

    /// The review band of the last probabilistic resolve, most probable first; at most `limit`.
    public func review(limit: Int) throws(OmnisegError) -> (pairs: [ReviewPair], total: Int) {
        let total = Int(try workspace.db.scalar("SELECT count(*) FROM match_review")?.integer ?? 0)
        let pairs = try workspace.db.rows("""
            SELECT source_a, source_id_a, source_b, source_id_b, probability, weight FROM match_review
            ORDER BY probability DESC, source_a, source_id_a, source_b, source_id_b LIMIT ?
            """, [.integer(Int64(limit))]).map { r in
            ReviewPair(a: RecordKey(source: r[0].text ?? "", sourceID: r[1].text ?? ""), b: RecordKey(source: r[2].text ?? "", sourceID: r[3].text ?? ""),
                       probability: r[4].real ?? 0, weight: r[5].real ?? 0)
        }
        return (pairs, total)
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
