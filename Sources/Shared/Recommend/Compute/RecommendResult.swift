import OmnisegCore

/// The `recommend` job's result: the indicators per item, item popularity, and every person's top
/// suggestions (row r is person r + 1; `count` places each, item `UInt32.max` where none was left).
public struct RecommendResult: Sendable, Equatable {
    public var options: RecommendOptions
    public var catalog: ItemCatalog
    public var table: IndicatorTable
    /// Target purchases per item (people), the popularity backfill's order.
    public var popularity: [UInt32]
    public var items: [UInt32]
    public var scores: [Float]
    /// 1 where the place was filled from popularity.
    public var backfilled: [UInt8]
    public var featureSetID: Int64
    public var asOf: Int64
    public var interactions: Int
    public var pairs: Int
    public var buckets: Int
    /// People with at least one interaction in their history.
    public var peopleWithHistory: Int
    /// People with an interaction counted (the base rates' denominator).
    public var countedPeople: Int
    /// The time-split evaluation, when the run had `holdout_days`.
    public var evaluation: RecommendEvaluation?

    public var people: Int { options.count > 0 ? items.count / options.count : 0 }

    /// Person row r's suggestions (without empty places).
    public func suggestions(row r: Int) -> [(item: Int, score: Float, backfill: Bool)] {
        let n = options.count
        return (r * n..<(r + 1) * n).compactMap { i in items[i] == UInt32.max ? nil : (Int(items[i]), scores[i], backfilled[i] == 1) }
    }

    static let magic: [UInt8] = Array("OMRECR".utf8)
    static let version: UInt16 = 1

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: items.count * 9 + table.totalCount * 8 + 1 << 16)
        writer.raw(Self.magic)
        writer.u16(Self.version)
        options.encode(into: &writer)
        catalog.encode(into: &writer)
        table.encode(into: &writer)
        writer.integers(popularity)
        writer.i64(featureSetID)
        writer.i64(asOf)
        for v in [interactions, pairs, buckets, peopleWithHistory, countedPeople] { writer.u64(UInt64(v)) }
        writer.count(items.count)
        writer.integers(items)
        writer.integers(scores.map(\.bitPattern))
        writer.integers(backfilled)
        writer.optional(evaluation) { $0.encode(into: &$1) }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "recommend result")
        guard try reader.bytes(Self.magic.count) == Self.magic else { throw reader.failure("not a recommend result") }
        let version = try reader.u16()
        guard version == Self.version else { throw reader.failure("recommend result version \(version) is not understood") }
        options = try RecommendOptions.decode(from: &reader)
        catalog = try ItemCatalog.decode(from: &reader)
        table = try IndicatorTable.decode(from: &reader)
        guard table.itemCount == catalog.count else { throw reader.failure("indicators for \(table.itemCount) items, catalogue of \(catalog.count)") }
        popularity = try reader.integers(catalog.count, of: UInt32.self)
        featureSetID = try reader.i64()
        asOf = try reader.i64()
        interactions = Int(try reader.tally())
        pairs = Int(try reader.tally())
        buckets = Int(try reader.tally())
        peopleWithHistory = Int(try reader.tally())
        countedPeople = Int(try reader.tally())
        let count = try reader.count(limit: 1 << 31)
        guard count % options.count == 0 else { throw reader.failure("\(count) suggestions do not fill places of \(options.count)") }
        items = try reader.integers(count, of: UInt32.self)
        scores = try reader.f32s(count)
        backfilled = try reader.integers(count, of: UInt8.self)
        evaluation = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try RecommendEvaluation.decode(from: &r) }
        try reader.expectEnd()
        for item in items where item != UInt32.max && item >= UInt32(catalog.count) { throw reader.failure("suggested item \(item) is not in the catalogue") }
    }

    public init(options: RecommendOptions, catalog: ItemCatalog, table: IndicatorTable, popularity: [UInt32], items: [UInt32], scores: [Float],
                backfilled: [UInt8], featureSetID: Int64, asOf: Int64, interactions: Int, pairs: Int, buckets: Int, peopleWithHistory: Int,
                countedPeople: Int, evaluation: RecommendEvaluation? = nil) {
        self.options = options
        self.catalog = catalog
        self.table = table
        self.popularity = popularity
        self.items = items
        self.scores = scores
        self.backfilled = backfilled
        self.featureSetID = featureSetID
        self.asOf = asOf
        self.interactions = interactions
        self.pairs = pairs
        self.buckets = buckets
        self.peopleWithHistory = peopleWithHistory
        self.countedPeople = countedPeople
        self.evaluation = evaluation
    }
}
