import Foundation
import OmnisegCore

/// A time-split evaluation of recommendations: what people bought (as target purchases) in the days
/// after the as-of date, against the suggestions made from their history up to it, beside the two
/// baselines an analyst would try first — the most popular items (``Method/popularity``, with the same
/// exclusion of what they bought as ours), and the person's own most-bought items, then the most
/// popular (``Method/ownHistory``).
///
/// Precision@k, recall@k, NDCG@k and MAP@k are averaged over the people who bought anything afterwards
/// (`all`: repeat purchases count) and over those who bought something new to them (`new`). Per
/// method also: coverage (the share of the catalogue's items it suggested to anyone evaluated) and
/// the share of its suggestions that are among the top 1 % of items by buyers, and their novelty (the
/// mean self-information −log₂ p of the suggested items, p the item's share of buyers: higher is less obvious).
public struct RecommendEvaluation: Sendable, Equatable {
    public enum Method: Int, CaseIterable, Sendable {
        case recommender = 0, popularity = 1, ownHistory = 2

        /// The method's name in JSON.
        public var key: String { ["recommender", "popularity", "own_history_then_popularity"][rawValue] }
        /// The method's name in text.
        public var label: String { ["omniseg", "popularity", "own history, then popularity"][rawValue] }
    }

    public enum Variant: Int, CaseIterable, Sendable {
        case all = 0, new = 1

        public var key: String { self == .all ? "all" : "new" }
        public var label: String { self == .all ? "all purchases" : "new items only" }
    }

    /// The metrics averaged per person.
    public enum Metric: Int, CaseIterable, Sendable {
        case precision = 0, recall = 1, ndcg = 2, map = 3

        public var key: String { ["precision", "recall", "ndcg", "map"][rawValue] }
    }

    public var holdoutDays: Int
    public var k: Int
    /// Items in the catalogue (coverage's denominator).
    public var items: Int
    /// People evaluated per variant.
    public var people: [Int] = [0, 0]
    /// Sums of each metric per (method, variant): index ``slot(_:_:_:)``.
    public var sums = [Double](repeating: 0, count: Method.allCases.count * Variant.allCases.count * Metric.allCases.count)
    /// Per method: the items it suggested to anyone evaluated (one bit per item), its suggestions, and
    /// how many of them were top-1 % items.
    public var suggested: [[UInt64]]
    public var places = [UInt64](repeating: 0, count: Method.allCases.count)
    public var topPlaces = [UInt64](repeating: 0, count: Method.allCases.count)
    /// Per method: the summed novelty (bits) of its suggestions.
    public var noveltySum = [Double](repeating: 0, count: Method.allCases.count)

    public init(holdoutDays: Int, k: Int, items: Int) {
        self.holdoutDays = holdoutDays
        self.k = k
        self.items = items
        suggested = Method.allCases.map { _ in [UInt64](repeating: 0, count: (items + 63) / 64) }
    }

    static func slot(_ m: Method, _ v: Variant, _ metric: Metric) -> Int {
        (m.rawValue * Variant.allCases.count + v.rawValue) * Metric.allCases.count + metric.rawValue
    }

    /// The mean of `metric` for method `m` over the people of variant `v` (0 when there are none).
    public func mean(_ metric: Metric, _ m: Method, _ v: Variant) -> Double {
        people[v.rawValue] > 0 ? sums[Self.slot(m, v, metric)] / Double(people[v.rawValue]) : 0
    }

    public func precision(_ m: Method, _ v: Variant) -> Double { mean(.precision, m, v) }
    public func recall(_ m: Method, _ v: Variant) -> Double { mean(.recall, m, v) }
    public func ndcg(_ m: Method, _ v: Variant) -> Double { mean(.ndcg, m, v) }
    public func meanAveragePrecision(_ m: Method, _ v: Variant) -> Double { mean(.map, m, v) }

    /// The share of the catalogue's items method `m` suggested to anyone evaluated.
    public func coverage(_ m: Method) -> Double {
        items > 0 ? Double(suggested[m.rawValue].reduce(0) { $0 + $1.nonzeroBitCount }) / Double(items) : 0
    }

    /// The share of method `m`'s suggestions that are among the top 1 % of items by buyers.
    public func topShare(_ m: Method) -> Double {
        places[m.rawValue] > 0 ? Double(topPlaces[m.rawValue]) / Double(places[m.rawValue]) : 0
    }

    /// The mean novelty (bits) of method `m`'s suggestions.
    public func novelty(_ m: Method) -> Double {
        places[m.rawValue] > 0 ? noveltySum[m.rawValue] / Double(places[m.rawValue]) : 0
    }

    /// Adds one person: the suggested `list` (best first) against the `relevant` items (sorted, distinct).
    mutating func add(_ m: Method, _ v: Variant, list: [UInt32], relevant: [UInt32]) {
        guard !relevant.isEmpty else { return }
        var hits = 0
        var averagePrecision = 0.0, dcg = 0.0
        for (i, item) in list.prefix(k).enumerated() where Self.contains(relevant, item) {
            hits += 1
            averagePrecision += Double(hits) / Double(i + 1)
            dcg += 1 / Self.log2(i + 2)
        }
        let ideal = (0..<min(relevant.count, k)).reduce(0.0) { $0 + 1 / Self.log2($1 + 2) }
        sums[Self.slot(m, v, .precision)] += Double(hits) / Double(k)
        sums[Self.slot(m, v, .recall)] += Double(hits) / Double(relevant.count)
        sums[Self.slot(m, v, .ndcg)] += dcg / ideal
        sums[Self.slot(m, v, .map)] += averagePrecision / Double(min(relevant.count, k))
    }

    /// Counts method `m`'s suggestions to one evaluated person; `top[item]` says whether it is a top-1 %
    /// item, `novelty[item]` its novelty in bits (``itemNovelty(popularity:people:)``).
    mutating func suggest(_ m: Method, list: [UInt32], top: [Bool], novelty: [Double]) {
        for item in list.prefix(k) where Int(item) < items {
            suggested[m.rawValue][Int(item) / 64] |= 1 << UInt64(item % 64)
            places[m.rawValue] += 1
            if top[Int(item)] { topPlaces[m.rawValue] += 1 }
            noveltySum[m.rawValue] += novelty[Int(item)]
        }
    }

    /// Each item's novelty: −log₂ of its share of the `people` counted, `popularity[item]` of whom
    /// bought it (smoothed by one, so an item nobody bought has a finite novelty).
    static func itemNovelty(popularity: [UInt32], people: Int) -> [Double] {
        popularity.map { -Foundation.log2((Double($0) + 1) / (Double(people) + 1)) }
    }

    mutating func count(_ v: Variant) { people[v.rawValue] += 1 }

    mutating func add(_ other: RecommendEvaluation) {
        for v in people.indices { people[v] += other.people[v] }
        for i in sums.indices { sums[i] += other.sums[i] }
        for m in suggested.indices {
            for w in suggested[m].indices where w < other.suggested[m].count { suggested[m][w] |= other.suggested[m][w] }
            places[m] += other.places[m]
            topPlaces[m] += other.topPlaces[m]
            noveltySum[m] += other.noveltySum[m]
        }
    }

    /// The items among the top 1 % (at least one) of `popular` (items, most bought first), as flags over `items` items.
    static func topItems(_ popular: [UInt32], items: Int) -> [Bool] {
        var top = [Bool](repeating: false, count: items)
        for item in popular.prefix(max(1, (items + 99) / 100)) where Int(item) < items { top[Int(item)] = true }
        return top
    }

    private static func log2(_ x: Int) -> Double { Foundation.log2(Double(x)) }

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
        writer.count(items)
        for p in people { writer.u64(UInt64(p)) }
        for s in sums { writer.f64(s) }
        for m in suggested.indices {
            writer.integers(suggested[m])
            writer.u64(places[m])
            writer.u64(topPlaces[m])
            writer.f64(noveltySum[m])
        }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> RecommendEvaluation {
        var e = RecommendEvaluation(holdoutDays: try reader.count(limit: 36_500), k: try reader.count(limit: 1000),
                                    items: try reader.count(limit: reader.remaining * 8))
        e.people = [Int(try reader.tally()), Int(try reader.tally())]
        for i in e.sums.indices { e.sums[i] = try reader.f64() }
        for m in e.suggested.indices {
            e.suggested[m] = try reader.integers(e.suggested[m].count, of: UInt64.self)
            e.places[m] = try reader.u64()
            e.topPlaces[m] = try reader.u64()
            e.noveltySum[m] = try reader.f64()
        }
        return e
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
