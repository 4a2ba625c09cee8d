import OmnisegCore

/// The `recommend` job's state between iterations.
///
/// Iteration 0 surveys (people per item and kind, how items are bought again, and the pair work to expect); iterations 1 … B
/// count the pairs of target items in bucket (iteration − 1) of B, chosen by item hash so that no
/// single merge is huge, and keep each bucket's indicators; iteration B + 1 recommends per person.
struct RecommendState: Sendable {
    var options: RecommendOptions
    var catalog: ItemCatalog
    /// Buckets of target items (0 until the survey is merged).
    var buckets = 0
    /// People per item and kind before the per-item cap (the survey), which sets the cap's keep rates.
    var surveyCounts: ItemMarginals
    /// How each item is bought again across people (the survey), for ranking people's own items:
    /// counted only with ``RecommendOptions/repeats`` (nil otherwise: it would cost 16 bytes an item in
    /// every state and survey partial for nothing).
    var repeats: RepeatStatistics?
    /// The margins after downsampling (from the first counting iteration).
    var marginals: ItemMarginals?
    /// Indicator rows of the buckets merged so far, each bucket's encoded as it was merged: a merge
    /// appends its bucket's rows without decoding the earlier ones (decoding and re-encoding them all
    /// made every merge slower than the one before); ``indicatorRows()`` decodes them for scoring.
    private(set) var rowSegments = 0
    private(set) var rowBytes: [UInt8] = []
    var interactions = 0
    var pairs = 0
    var featureSetID: Int64
    var asOf: Int64

    init(options: RecommendOptions, catalog: ItemCatalog, featureSetID: Int64, asOf: Int64) {
        self.options = options
        self.catalog = catalog
        self.featureSetID = featureSetID
        self.asOf = asOf
        surveyCounts = ItemMarginals(itemCount: catalog.count)
        repeats = options.repeats ? RepeatStatistics(itemCount: catalog.count) : nil
    }

    static let magic: [UInt8] = Array("OMRECS".utf8)
    static let version: UInt16 = 3

    /// Appends one bucket's indicator rows.
    mutating func append(_ rows: IndicatorRows) {
        var writer = WireWriter(capacity: rows.targets.count * 9 + rows.others.count * 12 + 32)
        rows.encode(into: &writer)
        rowBytes += writer.bytes
        rowSegments += 1
    }

    /// Every bucket's indicator rows, in bucket order, checked as one table (no (kind, target) twice).
    func indicatorRows() throws(OmnisegError) -> IndicatorRows {
        var reader = WireReader(rowBytes, what: "recommend state's indicator rows")
        var rows = IndicatorRows()
        for _ in 0..<rowSegments { rows.append(contentsOf: try IndicatorRows.decode(from: &reader, itemCount: catalog.count, checked: false)) }
        try reader.expectEnd()
        try rows.check(itemCount: catalog.count, reader: reader)
        return rows
    }

    var encoded: [UInt8] {
        var writer = WireWriter(capacity: rowBytes.count + (1 << 16))
        writer.raw(Self.magic)
        writer.u16(Self.version)
        options.encode(into: &writer)
        catalog.encode(into: &writer)
        writer.count(buckets)
        writer.u64(UInt64(interactions))
        writer.u64(UInt64(pairs))
        writer.i64(featureSetID)
        writer.i64(asOf)
        surveyCounts.encode(into: &writer)
        writer.optional(repeats) { $0.encode(into: &$1) }
        writer.optional(marginals) { $0.encode(into: &$1) }
        writer.count(rowSegments) // last: see init(decoding:rows:)
        writer.raw(rowBytes)
        return writer.bytes
    }

    /// Decodes a state; without `rows` it stops before the indicator rows (they come last, and only
    /// the merge and the scoring iteration read them: counting tasks would copy megabytes for nothing).
    /// The rows are kept encoded; ``indicatorRows()`` decodes and checks them.
    init(decoding bytes: [UInt8], rows readRows: Bool = true) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "recommend state")
        guard try reader.bytes(Self.magic.count) == Self.magic, try reader.u16() == Self.version else { throw reader.failure("not a recommend state of this version") }
        options = try RecommendOptions.decode(from: &reader)
        catalog = try ItemCatalog.decode(from: &reader)
        buckets = try reader.count(limit: 1 << 16)
        interactions = Int(try reader.tally())
        pairs = Int(try reader.tally())
        featureSetID = try reader.i64()
        asOf = try reader.i64()
        surveyCounts = try ItemMarginals.decode(from: &reader, itemCount: catalog.count)
        let itemCount = catalog.count
        repeats = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try RepeatStatistics.decode(from: &r, itemCount: itemCount) }
        marginals = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try ItemMarginals.decode(from: &r, itemCount: itemCount) }
        guard readRows else { return }
        rowSegments = try reader.count(limit: 1 << 16)
        rowBytes = try reader.bytes(reader.remaining)
    }
}

/// What the survey task returns for one shard.
struct RecommendSurvey {
    var counts: ItemMarginals
    var repeats: RepeatStatistics?
    /// Target × history item pairs to count (before the per-item cap): sizes the buckets.
    var pairWork: Int
    var interactions: Int

    init(_ shard: InteractionShard, options: RecommendOptions, itemCount: Int) {
        let sets = PersonItemSets(shard, options: options, itemCounts: nil)
        counts = ItemMarginals(sets, itemCount: itemCount)
        repeats = options.repeats ? RepeatStatistics(shard, options: options, itemCount: itemCount) : nil
        var work = 0
        for r in 0..<sets.rowCount {
            let targets = sets.items(HistoryKind.target.rawValue, row: r).count
            guard targets > 0 else { continue }
            for kind in HistoryKind.indicators { work += targets * sets.items(kind.rawValue, row: r).count }
        }
        pairWork = work
        interactions = shard.interactionCount
    }

    private init(counts: ItemMarginals, repeats: RepeatStatistics?, pairWork: Int, interactions: Int) {
        self.counts = counts
        self.repeats = repeats
        self.pairWork = pairWork
        self.interactions = interactions
    }

    var encoded: [UInt8] {
        var writer = WireWriter(capacity: counts.counts.count * counts.counts[0].count * 4 + 64)
        writer.u64(UInt64(pairWork))
        writer.u64(UInt64(interactions))
        counts.encode(into: &writer)
        writer.optional(repeats) { $0.encode(into: &$1) }
        return writer.bytes
    }

    init(decoding bytes: [UInt8], itemCount: Int) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "recommend survey partial")
        let work = Int(try reader.tally())
        let interactions = Int(try reader.tally())
        let counts = try ItemMarginals.decode(from: &reader, itemCount: itemCount)
        let repeats = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try RepeatStatistics.decode(from: &r, itemCount: itemCount) }
        try reader.expectEnd()
        self.init(counts: counts, repeats: repeats, pairWork: work, interactions: interactions)
    }
}
