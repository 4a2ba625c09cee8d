import Features
import JobRuntime
import OmnisegCore
import Synchronization

/// The `recommend` job: cross-channel recommendations from item co-occurrence (purchase × purchase)
/// and cross-occurrence (view × purchase, cart-add × purchase), scored by log-likelihood ratio.
///
/// Where the workspace is, each person's interactions up to the feature set's as-of time (optionally
/// only the last `within_days`) are gathered into one blob per shard, shipped beside the shards.
/// Iteration 0 surveys people per item; iterations 1 … B count, per shard of people, the pairs whose
/// target item falls in bucket (iteration − 1) of B (B from the survey, so no merge is huge), and the
/// merge sums them in shard order and keeps the top indicators per item; the last iteration scores
/// every person from their recent history. Downsampling is seeded per person and item, so the
/// result is the same whatever the worker count.
public struct RecommendJob: JobKind {
    public static let name = "recommend"
    /// State version 2: the indicator rows as one encoded segment per bucket.
    public static let codecs = JobCodecs(name, state: 3, partial: 4, result: 3)
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Cross-channel recommendations from item co-occurrence scored by log-likelihood ratio.",
        parameters: RecommendParameters.schema) { _, parameters throws(OmnisegError) in try RecommendJob(parameters: parameters) }

    public let options: RecommendOptions
    public let level: ItemLevel

    public init(parameters: JobParameters) throws(OmnisegError) {
        (options, level) = try RecommendParameters.options(parameters)
    }

    public var initialState: [UInt8] { [] }


    /// The preparation for interactions that do not come from a workspace (benchmarks, imports):
    /// `shards` and `future` (later purchases, for an evaluation with `holdout_days`) cover the rows of
    /// the feature shards the job will run over, in order.
    public func preparation(catalog: ItemCatalog, shards: [InteractionShard], future: [InteractionShard]? = nil,
                            featureSetID: Int64 = 0, asOf: Int64 = 0) -> JobPreparation {
        let state = RecommendState(options: options, catalog: catalog, featureSetID: featureSetID, asOf: asOf)
        let futures: [InteractionShard?] = future ?? Array(repeating: nil, count: shards.count)
        return JobPreparation(state: state.encoded, taskData: zip(shards, futures).map { RecommendShardData(history: $0.0, future: $0.1).encoded })
    }

    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        throw OmnisegError(.corrupt, "a recommend task arrived without its shard's interactions")
    }

    public func execute(shard: FeatureShard, data: [UInt8], iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        let stateKey = state.withUnsafeBytes { Checksum64.of($0) }
        let decoded = try RecommendState(decoding: state, rows: false)
        let itemCount = decoded.catalog.count
        // The decoded data is checked against the catalogue's size: that is part of its key (a state with
        // another catalogue must not reuse interactions checked against this one; the fuzzer found it).
        let dataKey = data.withUnsafeBytes { Checksum64.of($0, seed: UInt64(itemCount)) }
        let shardData = try RecommendTaskCache.shared.data(key: dataKey) { () throws(OmnisegError) in
            try RecommendShardData(decoding: data, itemCount: itemCount)
        }
        let interactions = shardData.history
        guard interactions.rowStart == shard.rowStart, interactions.rowCount == shard.rowCount else {
            throw OmnisegError(.corrupt, "the interactions of rows \(interactions.rowStart)+\(interactions.rowCount) came with shard \(shard.rowStart)+\(shard.rowCount)")
        }
        if iteration == 0 { return RecommendSurvey(interactions, options: decoded.options, itemCount: itemCount).encoded }
        if iteration <= decoded.buckets {
            // The same sets serve every bucket: they depend on the shard, the options and the survey.
            var digest = WireWriter()
            decoded.options.encode(into: &digest)
            decoded.surveyCounts.encode(into: &digest)
            let setsKey = digest.bytes.withUnsafeBytes { Checksum64.of($0, seed: dataKey) }
            let sets = RecommendTaskCache.shared.sets(key: setsKey) {
                PersonItemSets(interactions, options: decoded.options, itemCounts: decoded.surveyCounts.counts)
            }
            try cancellation.check()
            var writer = WireWriter(capacity: 1 << 16)
            // The margins after downsampling travel once, with the first bucket.
            writer.optional(iteration == 1 ? ItemMarginals(sets, itemCount: itemCount) : nil) { $0.encode(into: &$1) }
            PairCounts(counting: sets, bucket: iteration - 1, buckets: decoded.buckets, itemCount: itemCount).encode(into: &writer)
            return writer.bytes
        }
        // Every scoring task of the job shares one scorer (the indicator table and its transpose).
        let scorer = try RecommendTaskCache.shared.scorer(key: stateKey) { () throws(OmnisegError) in
            try RecommendShardScorer(try RecommendState(decoding: state))
        }
        return try scorer.score(interactions, future: shardData.future, cancellation: cancellation)
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        try merge(iteration: iteration, state: state, partials: partials, threads: 1)
    }

    /// Decodes the counting partials and selects the indicators on `threads` threads.
    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]], threads: Int) throws(OmnisegError) -> JobStep {
        var decoded = try RecommendState(decoding: state)
        let itemCount = decoded.catalog.count
        if iteration == 0 {
            var work = 0
            for partial in partials {
                let survey = try RecommendSurvey(decoding: partial, itemCount: itemCount)
                decoded.surveyCounts.add(survey.counts)
                if let repeats = survey.repeats {
                    guard decoded.repeats != nil else { throw OmnisegError(.corrupt, "a recommend survey partial has repeat statistics the job did not ask for") }
                    decoded.repeats?.add(repeats)
                } else if decoded.repeats != nil {
                    throw OmnisegError(.corrupt, "a recommend survey partial lacks the repeat statistics the job asked for")
                }
                decoded.interactions += survey.interactions
                work += survey.pairWork
            }
            decoded.buckets = min(1024, max(1, (work + decoded.options.pairsPerBucket - 1) / decoded.options.pairsPerBucket))
            return .iterate(state: decoded.encoded)
        }
        if iteration <= decoded.buckets {
            let decodedPartials = try ParallelLoop.map(partials.count, threads: threads) { (s: Int) throws(OmnisegError) in
                var reader = WireReader(partials[s], what: "recommend pair counts of shard \(s)")
                let margins = try reader.optional { (r: inout WireReader) throws(OmnisegError) in try ItemMarginals.decode(from: &r, itemCount: itemCount) }
                let counts = try PairCounts.decode(from: &reader, itemCount: itemCount)
                try reader.expectEnd()
                return (margins: margins, counts: counts)
            }
            var marginals = ItemMarginals(itemCount: itemCount)
            for shardMargins in decodedPartials.compactMap(\.margins) { marginals.add(shardMargins) }
            let counts = decodedPartials.map(\.counts)
            if iteration == 1 { decoded.marginals = marginals }
            guard let margins = decoded.marginals else { throw OmnisegError(.corrupt, "recommend state lost its item margins") }
            let (rows, pairs) = IndicatorSelector(options: decoded.options, marginals: margins).select(counts, itemCount: itemCount, threads: threads)
            decoded.append(rows)
            decoded.pairs += pairs
            return .iterate(state: decoded.encoded)
        }
        return .finish(result: try RecommendShardScorer.assemble(decoded, partials: partials).encoded)
    }

    /// The survey and the counting tasks read the state without the indicator rows merged so far
    /// (tens of megabytes by the last bucket at a million people); only the scoring reads them.
    public func taskState(iteration: Int, state: [UInt8]) throws(OmnisegError) -> [UInt8]? {
        // The first counting iteration's state has no rows yet; the scoring's needs them all.
        guard iteration >= 2 else { return nil }
        let decoded = try RecommendState(decoding: state, rows: false)
        return iteration <= decoded.buckets ? decoded.encoded : nil
    }

    /// Iterations: the survey, one per bucket of target items, the scoring. How many buckets there
    /// are is known only after the survey, so the total is not given.
    public func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress {
        JobProgress(done: iteration + (tasksDone >= tasksTotal ? 1 : 0), total: 0, unit: "iterations")
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let decoded = try RecommendResult(decoding: result)
        return json ? RecommendReport.json(decoded) : RecommendReport.text(decoded)
    }

    public func csv(result: [UInt8], people: PersonRows) throws(OmnisegError) -> String {
        try RecommendReport.csv(try RecommendResult(decoding: result), people: people)
    }
}

/// What a worker (or embedded run) keeps between a recommend job's iterations: each shard's decoded
/// interactions and its downsampled item sets, so the survey, every counting bucket and the scoring
/// decode a shard once and the buckets build its sets once; and the scorer of the last iteration, so
/// its tasks build the indicator table once. Keyed by content (checksums of the shard data, of the
/// options and survey the sets depend on, and of the state); at most `limit` of each, oldest out.
final class RecommendTaskCache: Sendable {
    static let shared = RecommendTaskCache(limit: 16)

    private struct Entries<Value> {
        var values: [UInt64: Value] = [:]
        var order: [UInt64] = []

        mutating func insert(_ key: UInt64, _ value: Value, limit: Int) {
            guard values.updateValue(value, forKey: key) == nil else { return }
            order.append(key)
            if order.count > limit { values[order.removeFirst()] = nil }
        }
    }

    private let limit: Int
    private let shardData = Mutex(Entries<RecommendShardData>())
    private let itemSets = Mutex(Entries<PersonItemSets>())
    private let scorers = Mutex(Entries<RecommendShardScorer>())

    init(limit: Int) { self.limit = limit }

    func data(key: UInt64, decode: () throws(OmnisegError) -> RecommendShardData) throws(OmnisegError) -> RecommendShardData {
        if let hit = shardData.withLock({ $0.values[key] }) { return hit }
        let value = try decode()
        shardData.withLock { $0.insert(key, value, limit: limit) }
        return value
    }

    /// The scorer of a job's last iteration (a couple are kept: one job at a time is the norm).
    func scorer(key: UInt64, build: () throws(OmnisegError) -> RecommendShardScorer) throws(OmnisegError) -> RecommendShardScorer {
        if let hit = scorers.withLock({ $0.values[key] }) { return hit }
        let value = try build()
        scorers.withLock { $0.insert(key, value, limit: 2) }
        return value
    }

    func sets(key: UInt64, build: () -> PersonItemSets) -> PersonItemSets {
        if let hit = itemSets.withLock({ $0.values[key] }) { return hit }
        let value = build()
        itemSets.withLock { $0.insert(key, value, limit: limit) }
        return value
    }
}

/// The last iteration of `recommend`: every person of a shard scored, and the shards assembled.
struct RecommendShardScorer: Sendable {
    let state: RecommendState
    let recommender: PersonRecommender
    /// For an evaluation: whether each item is among the top 1 % by buyers, and each item's novelty.
    let top: [Bool]
    let novelty: [Double]

    init(_ state: RecommendState) throws(OmnisegError) {
        self.state = state
        recommender = PersonRecommender(options: state.options, table: IndicatorTable(itemCount: state.catalog.count, rows: try state.indicatorRows()),
                                        popularity: state.surveyCounts.counts[HistoryKind.target.rawValue], people: state.surveyCounts.people,
                                        repeats: state.repeats, today: Int32(clamping: state.asOf / 86_400),
                                        horizon: state.options.holdoutDays ?? RepurchasePropensity.defaultHorizon)
        top = state.options.holdoutDays == nil ? [] : RecommendEvaluation.topItems(recommender.popular, items: state.catalog.count)
        novelty = state.options.holdoutDays == nil ? []
            : RecommendEvaluation.itemNovelty(popularity: state.surveyCounts.counts[HistoryKind.target.rawValue], people: state.surveyCounts.people)
    }

    /// The shard's suggestions: count places per person (item, score, backfill flag) and the people with a history.
    func score(_ shard: InteractionShard, future: InteractionShard?, cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        let n = state.options.count
        var items = [UInt32](repeating: UInt32.max, count: shard.rowCount * n)
        var scores = [Float](repeating: 0, count: items.count)
        var flags = [UInt8](repeating: 0, count: items.count)
        var scratch = PersonRecommender.Scratch(itemCount: state.catalog.count)
        var withHistory = 0
        var evaluation = future.map { _ in RecommendEvaluation(holdoutDays: state.options.holdoutDays ?? 0, k: n, items: state.catalog.count) }
        for block in stride(from: 0, to: shard.rowCount, by: 4096) {
            try cancellation.check()
            items.withUnsafeMutableBufferPointer { items in
                scores.withUnsafeMutableBufferPointer { scores in
                    flags.withUnsafeMutableBufferPointer { flags in
                        for r in block..<min(block + 4096, shard.rowCount) {
                            scratch.load(shard, row: r, options: state.options)
                            if scratch.hasHistory { withHistory += 1 }
                            recommender.recommend(&scratch) { place, s in
                                items[r * n + place] = s.item
                                scores[r * n + place] = s.score
                                flags[r * n + place] = s.backfill ? 1 : 0
                            }
                            if let future, evaluation != nil {
                                evaluate(&evaluation, row: r, future: future, suggested: Array(items[r * n..<(r + 1) * n]), scratch: scratch)
                            }
                        }
                    }
                }
            }
        }
        var writer = WireWriter(capacity: items.count * 9 + 16)
        writer.optional(evaluation) { $0.encode(into: &$1) }
        writer.u64(UInt64(withHistory))
        writer.count(items.count)
        writer.integers(items)
        writer.integers(scores.map(\.bitPattern))
        writer.integers(flags)
        return writer.bytes
    }

    /// Adds row r to the evaluation: its target purchases in `future` (all, and those new to the
    /// person) against its suggestions and the two baselines.
    private func evaluate(_ evaluation: inout RecommendEvaluation?, row r: Int, future: InteractionShard, suggested: [UInt32],
                          scratch: PersonRecommender.Scratch) {
        var relevant: [UInt32] = []
        for i in future.range(ofRow: r) {
            guard let action = InteractionAction(rawValue: future.actions[i]), state.options.channel.isTarget(action) else { continue }
            relevant.append(future.items[i])
        }
        guard !relevant.isEmpty, var e = evaluation else { return }
        relevant.sort()
        relevant = relevant.enumerated().filter { $0.offset == 0 || relevant[$0.offset - 1] != $0.element }.map(\.element)
        let fresh = relevant.filter { $0 >= UInt32(state.catalog.count) || !scratch.bought($0) }
        var popular: [UInt32] = []
        for a in recommender.popular {
            if popular.count == e.k { break }
            if state.options.repeats || !scratch.bought(a) { popular.append(a) }
        }
        let lists: [(RecommendEvaluation.Method, [UInt32])] = [(.recommender, suggested), (.popularity, popular), (.ownHistory, ownHistory(scratch, k: e.k))]
        e.count(.all)
        for (method, list) in lists {
            e.suggest(method, list: list, top: top, novelty: novelty)
            e.add(method, .all, list: list, relevant: relevant)
        }
        if !fresh.isEmpty {
            e.count(.new)
            for (method, list) in lists { e.add(method, .new, list: list, relevant: fresh) }
        }
        evaluation = e
    }

    /// The own-history baseline: the person's target items by their purchases of each (most first,
    /// the most recent first among equals), then the most popular items they have not bought.
    private func ownHistory(_ scratch: PersonRecommender.Scratch, k: Int) -> [UInt32] {
        // targetItems is newest first: its index breaks ties towards the most recent.
        var list = scratch.targetItems.enumerated()
            .sorted { (scratch.targetPurchases[Int($0.element)], $1.offset) > (scratch.targetPurchases[Int($1.element)], $0.offset) }
            .prefix(k).map(\.element)
        for a in recommender.popular where list.count < k && !scratch.bought(a) { list.append(a) }
        return list
    }

    /// The result from the scored shards, in shard order.
    static func assemble(_ state: RecommendState, partials: [[UInt8]]) throws(OmnisegError) -> RecommendResult {
        var items: [UInt32] = [], scores: [Float] = [], flags: [UInt8] = []
        var withHistory = 0
        var evaluation = state.options.holdoutDays.map { RecommendEvaluation(holdoutDays: $0, k: state.options.count, items: state.catalog.count) }
        for partial in partials {
            var reader = WireReader(partial, what: "recommend suggestions")
            if let shardEvaluation = try reader.optional({ (r: inout WireReader) throws(OmnisegError) in try RecommendEvaluation.decode(from: &r) }) {
                evaluation?.add(shardEvaluation)
            }
            withHistory += Int(try reader.tally())
            let count = try reader.count(limit: 1 << 31)
            items += try reader.integers(count, of: UInt32.self)
            scores += try reader.f32s(count)
            flags += try reader.integers(count, of: UInt8.self)
            try reader.expectEnd()
        }
        return RecommendResult(options: state.options, catalog: state.catalog, table: IndicatorTable(itemCount: state.catalog.count, rows: try state.indicatorRows()),
                               popularity: state.surveyCounts.counts[HistoryKind.target.rawValue], items: items, scores: scores, backfilled: flags,
                               featureSetID: state.featureSetID, asOf: state.asOf, interactions: state.interactions, pairs: state.pairs,
                               buckets: state.buckets, peopleWithHistory: withHistory, countedPeople: state.surveyCounts.people,
                               evaluation: evaluation)
    }
}

