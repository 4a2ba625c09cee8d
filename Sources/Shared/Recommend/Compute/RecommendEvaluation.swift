import OmnisegCore

/// A time-split evaluation of recommendations: what people bought (as target purchases) in the days
/// after the as-of date, against the suggestions made from their history up to it, beside the
/// popularity baseline (the most popular items, with the same exclusion of what they bought).
///
/// Precision@k, recall@k and MAP@k are averaged over the people who bought anything afterwards
/// (`all`: repeat purchases count) and over those who bought something new to them (`new`).
public struct RecommendEvaluation: Sendable, Equatable {
    public enum Method: Int, CaseIterable, Sendable { case recommender = 0, popularity = 1 }
    public enum Variant: Int, CaseIterable, Sendable { case all = 0, new = 1 }

    public var holdoutDays: Int
    public var k: Int
    /// People evaluated per variant.
    public var people: [Int] = [0, 0]
    /// Sums of precision, recall and average precision per (method, variant): index (m * 2 + v) * 3 + metric.
    public var sums = [Double](repeating: 0, count: 12)

    public init(holdoutDays: Int, k: Int) {
        self.holdoutDays = holdoutDays
        self.k = k
    }

    public func precision(_ m: Method, _ v: Variant) -> Double { mean(m, v, 0) }
    public func recall(_ m: Method, _ v: Variant) -> Double { mean(m, v, 1) }
    public func meanAveragePrecision(_ m: Method, _ v: Variant) -> Double { mean(m, v, 2) }

    private func mean(_ m: Method, _ v: Variant, _ metric: Int) -> Double {
        people[v.rawValue] > 0 ? sums[(m.rawValue * 2 + v.rawValue) * 3 + metric] / Double(people[v.rawValue]) : 0
    }

    /// Adds one person: the suggested `list` (best first) against the `relevant` items (sorted, distinct).
    mutating func add(_ m: Method, _ v: Variant, list: [UInt32], relevant: [UInt32]) {
        guard !relevant.isEmpty else { return }
        var hits = 0
        var averagePrecision = 0.0
        for (i, item) in list.prefix(k).enumerated() where Self.contains(relevant, item) {
            hits += 1
            averagePrecision += Double(hits) / Double(i + 1)
        }
        let base = (m.rawValue * 2 + v.rawValue) * 3
        sums[base] += Double(hits) / Double(k)
        sums[base + 1] += Double(hits) / Double(relevant.count)
        sums[base + 2] += averagePrecision / Double(min(relevant.count, k))
    }

    mutating func count(_ v: Variant) { people[v.rawValue] += 1 }

    mutating func add(_ other: RecommendEvaluation) {
        for v in 0..<2 { people[v] += other.people[v] }
        for i in sums.indices { sums[i] += other.sums[i] }
    }

    private static func contains(_ sorted: [UInt32], _ item: UInt32) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < item { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == item
    }

    func encode(into writer: inout WireWriter) {
        writer.count(holdoutDays)
        writer.count(k)
        for p in people { writer.u64(UInt64(p)) }
        for s in sums { writer.f64(s) }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> RecommendEvaluation {
        var e = RecommendEvaluation(holdoutDays: try reader.count(limit: 36_500), k: try reader.count(limit: 1000))
        e.people = [Int(try reader.tally()), Int(try reader.tally())]
        for i in e.sums.indices { e.sums[i] = try reader.f64() }
        return e
    }

    /// The table as text.
    public var text: String {
        var lines = ["time-split evaluation: purchases in the \(holdoutDays) days after the as-of date, top \(k)",
                     "  people                 precision@\(k)  recall@\(k)  MAP@\(k)"]
        for v in Variant.allCases {
            for m in Method.allCases {
                let label = "\(v == .all ? "all purchases" : "new items only") (\(Format.count(people[v.rawValue])))"
                let name = m == .recommender ? "recommender" : "popularity "
                lines.append("  \(name) \(label.padding(toLength: 26, withPad: " ", startingAt: 0))"
                             + "\(Format.fixed(precision(m, v), 4).padding(toLength: 14, withPad: " ", startingAt: 0))"
                             + "\(Format.fixed(recall(m, v), 4).padding(toLength: 11, withPad: " ", startingAt: 0))\(Format.fixed(meanAveragePrecision(m, v), 4))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What a recommend task receives per shard: the history, and the later purchases when evaluating.
struct RecommendShardData {
    var history: InteractionShard
    var future: InteractionShard?

    var encoded: [UInt8] {
        var writer = WireWriter()
        writer.blob(history.encoded)
        writer.optional(future) { $1.blob($0.encoded) }
        return writer.bytes
    }

    init(history: InteractionShard, future: InteractionShard?) {
        self.history = history
        self.future = future
    }

    init(decoding bytes: [UInt8], itemCount: Int) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "recommend shard data")
        history = try InteractionShard(decoding: reader.blob(), itemCount: itemCount)
        future = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try InteractionShard(decoding: r.blob(), itemCount: Int(UInt32.max)) }
        try reader.expectEnd()
        if let future, future.rowStart != history.rowStart || future.rowCount != history.rowCount {
            throw OmnisegError(.corrupt, "recommend shard data: later purchases of rows \(future.rowStart)+\(future.rowCount) beside history of \(history.rowStart)+\(history.rowCount)")
        }
    }
}
