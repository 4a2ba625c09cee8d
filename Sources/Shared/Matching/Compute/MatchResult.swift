import Foundation
import OmnisegCore

/// What a `match` job found: the fitted model, the candidate pairs compared, and the pairs at or
/// above the link threshold (linked, most probable first) and in the review band. Records are
/// numbered by their index in the record list the job's plan read; ``fingerprint`` says which list.
public struct MatchResult: Sendable, Equatable {
    public var model: MatchModel
    public var linkThreshold: Double
    public var reviewThreshold: Double
    /// Records matched over, and ``MatchPlan/fingerprint(_:people:)`` of them and their people.
    public var records: Int
    public var fingerprint: UInt64
    public var candidates: Int
    public var blocksSkipped: Int
    /// Pairs at or above the link threshold, by probability (highest first), then by records.
    public var links: [ProbabilisticLinker.Scored]
    /// Pairs in the review band, in the same order.
    public var review: [ProbabilisticLinker.Scored]

    /// The order of ``links`` and ``review``: most probable first, then by records.
    static func precedes(_ x: ProbabilisticLinker.Scored, _ y: ProbabilisticLinker.Scored) -> Bool {
        (x.probability, y.a, y.b) > (y.probability, x.a, x.b)
    }

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 1024 + 16 * (links.count + review.count))
        writer.blob(model.encoded)
        writer.f64(linkThreshold)
        writer.f64(reviewThreshold)
        writer.u64(UInt64(records))
        writer.u64(fingerprint)
        writer.u64(UInt64(candidates))
        writer.u64(UInt64(blocksSkipped))
        for pairs in [links, review] {
            writer.count(pairs.count)
            for p in pairs {
                writer.u32(UInt32(p.a))
                writer.u32(UInt32(p.b))
                writer.u64(p.pattern.bits)
            }
        }
        return writer.bytes
    }

    /// Decodes ``encoded``: probabilities are worked out again from the model, and every pair is
    /// checked (records in range and a < b, a pattern of this build's fields, on the right side of
    /// the thresholds, in order).
    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "match result")
        model = try MatchState.model(&reader)
        (linkThreshold, reviewThreshold) = try MatchState.thresholds(&reader)
        records = try MatchState.recordCount(&reader)
        fingerprint = try reader.u64()
        candidates = Int(try reader.tally())
        blocksSkipped = Int(try reader.tally())
        var lists: [[ProbabilisticLinker.Scored]] = []
        for (name, range) in [("link", linkThreshold...1), ("review", reviewThreshold...linkThreshold)] {
            let n = try reader.count(limit: reader.remaining / 16)
            var pairs: [ProbabilisticLinker.Scored] = []
            pairs.reserveCapacity(n)
            for _ in 0..<n {
                let a = Int(try reader.u32()), b = Int(try reader.u32())
                guard a < b, b < records else { throw reader.failure("a \(name) pair (\(a), \(b)) is not two of the \(records) records in order") }
                guard let pattern = ComparisonPattern(bits: try reader.u64(), fields: ProbabilisticLinker.fields) else {
                    throw reader.failure("a \(name) pair has a comparison pattern of levels this build does not have")
                }
                let p = ProbabilisticLinker.Scored(a: a, b: b, pattern: pattern, probability: model.probability(pattern))
                guard range.contains(p.probability), name == "link" || p.probability < linkThreshold else {
                    throw reader.failure("a \(name) pair scores \(p.probability), outside the \(name) band")
                }
                if let last = pairs.last, !Self.precedes(last, p) { throw reader.failure("the \(name) pairs are not in order") }
                pairs.append(p)
            }
            lists.append(pairs)
        }
        links = lists[0]
        review = lists[1]
        try reader.expectEnd()
    }

    /// A result from scored pairs in any order: those at or above the link threshold are its links,
    /// those from the review threshold its review band (both sorted by ``precedes(_:_:)``), the rest dropped.
    package init(model: MatchModel, linkThreshold: Double, reviewThreshold: Double, records: Int, fingerprint: UInt64, candidates: Int, blocksSkipped: Int,
         scored: [ProbabilisticLinker.Scored]) {
        self.model = model
        self.linkThreshold = linkThreshold
        self.reviewThreshold = reviewThreshold
        self.records = records
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.blocksSkipped = blocksSkipped
        links = scored.filter { $0.probability >= linkThreshold }.sorted(by: Self.precedes)
        review = scored.filter { $0.probability >= reviewThreshold && $0.probability < linkThreshold }.sorted(by: Self.precedes)
    }

    /// The result of a job whose last state is `state`.
    init(state: MatchState, scored: [ProbabilisticLinker.Scored]) {
        self.init(model: state.model, linkThreshold: state.linkThreshold, reviewThreshold: state.reviewThreshold, records: state.records,
                  fingerprint: state.fingerprint, candidates: Int(state.candidates), blocksSkipped: state.blocksSkipped, scored: scored)
    }

    /// What the job found, in words or JSON.
    public func render(json: Bool) -> String {
        let weights = model.fields.indices.map { f in
            (model.fields[f].name, (0..<model.fields[f].levels).map { log2(model.m[f][$0] / model.u[f][$0]) })
        }
        if json {
            let fields = weights.map { name, w in (name, "[" + w.map(JSONText.number).joined(separator: ",") + "]") }
            return JSONText.object([("kind", JSONText.quoted("match")), ("records", "\(records)"), ("candidate_pairs", "\(candidates)"),
                                    ("blocks_skipped", "\(blocksSkipped)"), ("links", "\(links.count)"), ("review", "\(review.count)"),
                                    ("link_threshold", JSONText.number(linkThreshold)), ("review_threshold", JSONText.number(reviewThreshold)),
                                    ("lambda", JSONText.number(model.lambda)), ("level_weights", JSONText.object(fields))]) + "\n"
        }
        var lines = ["\(Format.count(records)) records, \(Format.count(candidates)) candidate pairs (\(Format.count(blocksSkipped)) blocks left out as too large)",
                     "\(Format.count(links.count)) pairs at or above probability \(linkThreshold), \(Format.count(review.count)) for review (from \(reviewThreshold))",
                     "match weights log2(m/u) by level (0 most alike):"]
        for (name, w) in weights {
            lines.append("  " + name.rightPadded(12) + w.map { Format.fixed($0, 2).leftPadded(8) }.joined())
        }
        lines.append("apply them: omniseg resolve --probabilistic (with --redis to match on the workers)")
        return lines.joined(separator: "\n") + "\n"
    }
}
