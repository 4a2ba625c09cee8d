@testable import FeatureStore
@testable import Features
import Foundation
@testable import Ingest
@testable import JobRuntime
@testable import OmnisegCore
@testable import Recommend
@testable import RecommendWorkspace
@testable import Synthetic
@testable import TestSupport
import Testing
@testable import Workspace
@testable import WorkspaceJobs

/// Log-likelihood ratios, pair counting and indicator selection against brute force, and the
/// `recommend` job on generated customers, embedded.
@Suite struct RecommendKernelTests {
    @Test func logLikelihoodRatioMatchesKnownValues() {
        #expect(abs(LogLikelihood.ratio(1, 0, 0, 1) - 2.772589) < 1e-6)
        #expect(abs(LogLikelihood.ratio(5, 1995, 0, 100_000) - 39.33052) < 1e-4)
        #expect(abs(LogLikelihood.ratio(1000, 1995, 1000, 100_000) - 4730.737) < 1e-3)
        #expect(LogLikelihood.ratio(10, 10, 10, 10) < 1e-9, "independent counts carry no evidence")
        // Symmetric in the two items, and large counts beyond the x·ln x table agree with the formula.
        #expect(LogLikelihood.ratio(3, 7, 11, 500) == LogLikelihood.ratio(3, 11, 7, 500))
        let big = LogLikelihood.ratio(100_000, 200_000, 300_000, 5_000_000)
        func xlx(_ x: Double) -> Double { x == 0 ? 0 : x * log(x) }
        let n = 5_600_000.0
        let expected = 2 * (xlx(n) - xlx(300_000) - xlx(5_300_000) + xlx(n) - xlx(400_000) - xlx(5_200_000)
                            - xlx(n) + xlx(100_000) + xlx(200_000) + xlx(300_000) + xlx(5_000_000))
        #expect(abs(big - expected) / expected < 1e-9)
        // The bound the selection prunes pairs seen once by: no such pair scores above one whose
        // second item was seen only with the first.
        for (first, people) in [(1, 10), (3, 1000), (250, 1000), (40_000, 1_000_000), (300_000, 1_000_000)] {
            let bound = LogLikelihood.ratio(both: 1, first: first, second: 1, people: people)
            for second in stride(from: 1, through: people / first, by: max(1, people / first / 500)) where second * first < people {
                #expect(LogLikelihood.ratio(both: 1, first: first, second: second, people: people) <= bound, "first \(first), second \(second)")
            }
        }
    }

    /// Random interactions for `people` people over `items` items, in shards of `shardRows`.
    static func randomShards(people: Int, items: Int, shardRows: Int, seed: UInt64) -> [InteractionShard] {
        var rng = SplitMix64(seed: seed, stream: 9, index: 0)
        var shards: [InteractionShard] = []
        for start in stride(from: 0, to: people, by: shardRows) {
            let rows = min(shardRows, people - start)
            var offsets: [UInt32] = [0], itemList: [UInt32] = [], actions: [UInt8] = [], days: [Int32] = []
            for _ in 0..<rows {
                let n = rng.below(12)
                for d in 0..<n {
                    // Skewed popularity: small ids are common.
                    itemList.append(UInt32(min(items - 1, Int(Double(items) * pow(rng.unit(), 2)))))
                    actions.append(UInt8(rng.below(4)))
                    days.append(Int32(20_000 + d))
                }
                offsets.append(UInt32(itemList.count))
            }
            shards.append(InteractionShard(rowStart: start, offsets: offsets, items: itemList, actions: actions, days: days))
        }
        return shards
    }

    @Test func pairCountsSummedOverShardsAndBucketsMatchBruteForce() throws {
        let items = 40
        let shards = Self.randomShards(people: 700, items: items, shardRows: 128, seed: 5)
        var options = RecommendOptions()
        options.channel = .online
        // Brute force: for each person, distinct target items × distinct history items of each kind.
        var expected = [[Int]](repeating: [Int](repeating: 0, count: items * items), count: 3)
        for shard in shards {
            for r in 0..<shard.rowCount {
                var sets = [Set<Int>](repeating: [], count: 4)
                for i in shard.range(ofRow: r) {
                    let action = InteractionAction(rawValue: shard.actions[i])!
                    let item = Int(shard.items[i])
                    if action.isPurchase { sets[1].insert(item) }
                    if action == .onlinePurchase { sets[0].insert(item) }
                    if action == .view { sets[2].insert(item) }
                    if action == .cartAdd { sets[3].insert(item) }
                }
                for a in sets[0] {
                    for j in 0..<3 { for b in sets[j + 1] where !(j == 0 && a == b) { expected[j][a * items + b] += 1 } }
                }
            }
        }
        for buckets in [1, 3] {
            var counted = [[Int]](repeating: [Int](repeating: 0, count: items * items), count: 3)
            for shard in shards {
                let sets = PersonItemSets(shard, options: options, itemCounts: nil)
                for bucket in 0..<buckets {
                    let pairs = PairCounts(counting: sets, bucket: bucket, buckets: buckets, itemCount: items)
                    var writer = WireWriter()
                    pairs.encode(into: &writer)
                    var reader = WireReader(writer.bytes, what: "test")
                    #expect(try PairCounts.decode(from: &reader, itemCount: items) == pairs, "pair counts survive the wire")
                    for (t, a) in pairs.targets.enumerated() {
                        #expect(PairCounts.bucket(of: a, buckets: buckets) == bucket)
                        for j in 0..<3 {
                            let range = pairs.range(target: t, kind: j)
                            #expect(Set(range.map { pairs.others[$0] }).count == range.count, "distinct")
                            for e in range { counted[j][Int(a) * items + Int(pairs.others[e])] += Int(pairs.counts[e]) }
                        }
                    }
                }
            }
            #expect(counted == expected, "\(buckets) bucket(s)")
        }
    }

    /// The packed wire form: rows ascending with gaps of every size, counts of one, two and far more,
    /// and each kind of damage refused with a message.
    @Test func pairCountsPackedFormRoundTripsAndRefusesDamage() throws {
        let items = 100_000
        var pairs = PairCounts()
        pairs.targets = [3, 70_000]
        pairs.others = [0, 1, 63, 64, 99_999, 5, 6, 40_000, 2, 99_998]
        pairs.counts = [1, 2, 1, 300, UInt32.max, 1, 129, 1, 70_000, 1]
        pairs.starts = [0, 5, 5, 8, 9, 9, 10]
        var writer = WireWriter()
        pairs.encode(into: &writer)
        var reader = WireReader(writer.bytes, what: "test")
        #expect(try PairCounts.decode(from: &reader, itemCount: items) == pairs)
        #expect(writer.bytes.count < 4 * 2 + 4 * 2 + 4 * 7 + 4 + 10 * 8, "smaller than two words per pair")

        func refused(_ bytes: [UInt8], itemCount: Int = items) -> String? {
            var r = WireReader(bytes, what: "pairs")
            do { _ = try PairCounts.decode(from: &r, itemCount: itemCount); return nil } catch { return error.message }
        }
        let good = writer.bytes
        #expect(refused(Array(good.dropLast()))?.contains("needs") == true, "a truncated partial")
        let packedLength = 4 + 4 + 8 + 28 // where the packed block's length is
        var short = Array(good.dropLast())
        short[packedLength] &-= 1
        #expect(refused(short)?.contains("the pairs end early, in pair 9") == true, "a block missing its last code")
        var trailing = good
        trailing[packedLength] &+= 1
        trailing.append(1)
        #expect(refused(trailing)?.contains("bytes are left after the pairs") == true, "an extra code")
        #expect(refused(good, itemCount: 90_000)?.contains("is not below 90000") == true, "an item past the catalog")
    }

    @Test func indicatorsAreTheTopRatiosOfTheSummedCounts() throws {
        let items = 30
        let shards = Self.randomShards(people: 900, items: items, shardRows: 200, seed: 8)
        var options = RecommendOptions()
        options.indicatorsPerItem = 4
        let sets = shards.map { PersonItemSets($0, options: options, itemCounts: nil) }
        var marginals = ItemMarginals(itemCount: items)
        for s in sets { marginals.add(ItemMarginals(s, itemCount: items)) }
        let partials = sets.map { PairCounts(counting: $0, bucket: 0, buckets: 1, itemCount: items) }
        let rows = IndicatorSelector(options: options, marginals: marginals).select(partials, itemCount: items).rows
        let table = IndicatorTable(itemCount: items, rows: rows)
        // Brute force from the summed counts.
        var both = [[Int]](repeating: [Int](repeating: 0, count: items * items), count: 3)
        for p in partials {
            for (t, a) in p.targets.enumerated() {
                for j in 0..<3 { for e in p.range(target: t, kind: j) { both[j][Int(a) * items + Int(p.others[e])] += Int(p.counts[e]) } }
            }
        }
        var checked = 0
        for j in 0..<3 {
            for a in 0..<items {
                var scored: [(Double, Int)] = []
                for b in 0..<items where both[j][a * items + b] > 0 {
                    let k11 = both[j][a * items + b], first = Int(marginals.counts[0][a]), second = Int(marginals.counts[j + 1][b])
                    guard k11 * marginals.people > first * second else { continue }
                    scored.append((LogLikelihood.ratio(both: k11, first: first, second: second, people: marginals.people), b))
                }
                scored.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                let want = scored.prefix(4).map { $0.1 }
                #expect(table.indicators(kind: j, item: a).map(\.item) == want, "kind \(j) item \(a)")
                checked += want.count
            }
        }
        #expect(checked > 100, "the random data has indicators to check")
        // Selected in target ranges on several threads: the same rows.
        let selector = IndicatorSelector(options: options, marginals: marginals)
        let one = selector.select(partials, itemCount: items)
        for threads in [2, 3, 8] { #expect(selector.select(partials, itemCount: items, threads: threads) == one, "\(threads) threads") }
    }

    @Test func downsamplingIsSeededAndBounded() {
        let shard = Self.randomShards(people: 50, items: 20, shardRows: 50, seed: 2)[0]
        var options = RecommendOptions()
        options.maxHistory = 3
        let a = PersonItemSets(shard, options: options, itemCounts: nil)
        let b = PersonItemSets(shard, options: options, itemCounts: nil)
        #expect(a.items == b.items && a.offsets == b.offsets)
        let kept = (0..<a.rowCount).map { r in (0..<4).reduce(0) { $0 + a.items($1, row: r).count } }
        let full = PersonItemSets(shard, options: RecommendOptions(), itemCounts: nil)
        let all = (0..<full.rowCount).map { r in (0..<4).reduce(0) { $0 + full.items($1, row: r).count } }
        #expect(zip(kept, all).allSatisfy { $0.0 <= $0.1 } && kept.reduce(0, +) < all.reduce(0, +), "long histories shrink")
    }
}

@Suite(.serialized) struct RecommendJobTests {
    static func run(_ kind: any JobKind, _ workspace: Workspace, _ matrix: FeatureMatrix, threads: Int) throws -> [UInt8] {
        let preparation = try WorkspaceJobs.prepare(kind, in: workspace, matrix: matrix)
        return try kind.resultBody(JobDriver(jobID: "t", kind: kind, shardCount: matrix.shards.count, mergeThreads: threads)
            .run(transport: InProcessTransport(kind: kind, shards: matrix.shards, taskData: preparation.taskData, threads: threads),
                 checkpoints: MemoryCheckpoints(), firstState: { preparation.state }))
    }

    @Test func recommendsFromHistoryTheSameWhateverTheThreadsAndBuckets() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let job = try RecommendJob(parameters: JobParameters(["n": "5"]))
        let bytes = try Self.run(job, workspace, matrix, threads: 1)
        #expect(try Self.run(job, workspace, matrix, threads: 3) == bytes)
        let result = try RecommendResult(decoding: bytes)
        #expect(result.people == matrix.rowCount && result.buckets == 1)
        // Many buckets: the same indicators and suggestions.
        let split = try RecommendResult(decoding: Self.run(RecommendJob(parameters: JobParameters(["n": "5", "pairs_per_bucket": "400000"])), workspace, matrix, threads: 2))
        #expect(split.buckets > 2 && split.buckets < 12, "\(split.buckets) buckets")
        #expect(split.table == result.table && split.items == result.items && split.pairs == result.pairs)

        // The interactions are every purchase and product view/cart-add up to the as-of time.
        let purchases = try #require(workspace.db.scalar("SELECT count(*) FROM txn WHERE ts <= ?", [.integer(matrix.asOf)])?.integer)
        let events = try #require(workspace.db.scalar("SELECT count(*) FROM event WHERE ts <= ? AND kind IN (0, 1) AND sku IS NOT NULL", [.integer(matrix.asOf)])?.integer)
        #expect(result.interactions == Int(purchases + events))

        // Nobody is offered what they bought; people with a history get personal suggestions.
        let (catalog, shards) = try InteractionBuilder().build(workspace, matrix: matrix)
        #expect(catalog == result.catalog)
        var personalised = 0
        for shard in shards {
            for r in 0..<shard.rowCount {
                let bought = Set(shard.range(ofRow: r).filter { InteractionAction(rawValue: shard.actions[$0])!.isPurchase }.map { Int(shard.items[$0]) })
                let suggestions = result.suggestions(row: shard.rowStart + r)
                #expect(suggestions.count == 5 && bought.isDisjoint(with: suggestions.map(\.item)))
                #expect(zip(suggestions.dropFirst(), suggestions).allSatisfy { $0.0.backfill || $0.0.score <= $0.1.score })
                if !suggestions[0].backfill { personalised += 1 }
            }
        }
        #expect(personalised > matrix.rowCount * 3 / 4, "\(personalised) of \(matrix.rowCount)")

        // Repeats: staples can come back.
        let repeats = try RecommendResult(decoding: Self.run(RecommendJob(parameters: JobParameters(["n": "5", "repeats": "1"])), workspace, matrix, threads: 2))
        var rebought = 0
        for shard in shards {
            for r in 0..<shard.rowCount {
                let bought = Set(shard.range(ofRow: r).filter { InteractionAction(rawValue: shard.actions[$0])!.isPurchase }.map { Int(shard.items[$0]) })
                if !bought.isDisjoint(with: repeats.suggestions(row: shard.rowStart + r).map(\.item)) { rebought += 1 }
            }
        }
        #expect(rebought > matrix.rowCount / 2, "\(rebought) people get a staple back")
    }

    /// Customers who complete product lines they bought from (the generator's planted co-purchase
    /// structure, here strong): on the purchases of the 90 days after the split, recommendations from
    /// co-occurrence must beat the most popular items by a clear margin, on new items and counting repeats.
    @Test func onATimeSplitTheRecommenderBeatsPopularity() throws {
        let dir = TemporaryDirectory()
        var generator = GeneratorOptions(people: 3000, seed: 31)
        generator.collectionLoyalty = 0.6
        let asOf = try #require(TimestampParser.unixSeconds(year: 2026, month: 3, day: 31)) + 86_399
        let path = try ClusterHarness.generatedWorkspace(in: dir.file("retailer"), options: generator, features: FeatureOptions(asOf: asOf, shardRows: 512))
        let workspace = try Workspace(path: path)
        let matrix = try FeatureStore(workspace: workspace).load()
        let result = try RecommendResult(decoding: Self.run(RecommendJob(parameters: JobParameters(["holdout_days": "90"])), workspace, matrix, threads: 2))
        let e = try #require(result.evaluation)
        #expect(e.people[0] > 1000 && e.people[1] > 1000 && e.k == 10, "\(e.people)")
        for variant in RecommendEvaluation.Variant.allCases {
            #expect(e.precision(.recommender, variant) > 1.2 * e.precision(.popularity, variant), "\(e.text)")
            #expect(e.recall(.recommender, variant) > 1.2 * e.recall(.popularity, variant), "\(e.text)")
            #expect(e.meanAveragePrecision(.recommender, variant) > 1.2 * e.meanAveragePrecision(.popularity, variant), "\(e.text)")
        }
        // The metrics are what they say: recomputed for the recommender on new items from the stored
        // suggestions, and for the own-history baseline on all purchases from the histories.
        let later = try InteractionBuilder().purchases(after: matrix, days: 90, in: workspace, catalog: result.catalog)
        let (_, history) = try InteractionBuilder().build(workspace, matrix: matrix)
        let byBuyers = (0..<result.catalog.count).filter { result.popularity[$0] > 0 }
            .sorted { (result.popularity[$0], $1) > (result.popularity[$1], $0) }.map(UInt32.init)
        var people = 0, precision = 0.0, ndcg = 0.0, buyers = 0, ownPrecision = 0.0
        for (past, future) in zip(history, later) {
            for r in 0..<past.rowCount {
                let purchases = past.range(ofRow: r).filter { InteractionAction(rawValue: past.actions[$0])!.isPurchase }.map { past.items[$0] }
                let before = Set(purchases)
                let bought = Set(future.range(ofRow: r).map { future.items[$0] })
                if !bought.isEmpty {
                    // Most bought first, the most recently bought first among equals; then best sellers not bought.
                    var newestFirst: [UInt32] = []
                    for item in purchases.reversed() where !newestFirst.contains(item) { newestFirst.append(item) }
                    let counts = Dictionary(purchases.map { ($0, 1) }, uniquingKeysWith: +)
                    var own = newestFirst.enumerated().sorted { (counts[$0.element]!, $1.offset) > (counts[$1.element]!, $0.offset) }.prefix(10).map(\.element)
                    for item in byBuyers where own.count < 10 && !before.contains(item) { own.append(item) }
                    buyers += 1
                    ownPrecision += Double(own.filter { bought.contains($0) }.count) / 10
                }
                let fresh = bought.subtracting(before)
                guard !fresh.isEmpty else { continue }
                people += 1
                let suggested = result.suggestions(row: past.rowStart + r).map { UInt32($0.item) }
                precision += Double(suggested.filter { fresh.contains($0) }.count) / 10
                let dcg = suggested.enumerated().filter { fresh.contains($0.element) }.reduce(0.0) { $0 + 1 / log2(Double($1.offset + 2)) }
                ndcg += dcg / (0..<min(fresh.count, 10)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
            }
        }
        #expect(people == e.people[1] && abs(precision / Double(people) - e.precision(.recommender, .new)) < 1e-9)
        #expect(abs(ndcg / Double(people) - e.ndcg(.recommender, .new)) < 1e-9)
        #expect(buyers == e.people[0] && abs(ownPrecision / Double(buyers) - e.precision(.ownHistory, .all)) < 1e-9, "\(e.text(asOf: result.asOf))")
        #expect(e.precision(.ownHistory, .all) > 0 && e.coverage(.ownHistory) > e.coverage(.popularity), "own histories cover more of the catalogue")
        #expect(e.novelty(.popularity) > 0 && e.novelty(.popularity) < e.novelty(.recommender) && e.novelty(.recommender) < e.novelty(.ownHistory),
                "best sellers are the least novel: \((0..<3).map { e.novelty(RecommendEvaluation.Method(rawValue: $0)!) })")

        // A window past the data is refused with the date to use.
        let current = try FeatureBuilder().build(workspace)
        #expect { try RecommendJob(parameters: JobParameters(["holdout_days": "30"])).prepare(in: workspace, matrix: current) } throws: {
            "\($0)".contains("runs past the newest transaction")
        }
    }

    @Test func popularityDampingLetsLessBoughtItemsThrough() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        func evaluate(_ damping: String) throws -> RecommendEvaluation {
            let job = try RecommendJob(parameters: JobParameters(["holdout_days": "30", "popularity_damping": damping]))
            return try #require(try RecommendResult(decoding: Self.run(job, workspace, matrix, threads: 2)).evaluation)
        }
        let off = try evaluate("0"), on = try evaluate("0.5")
        // Divided by P(a)^γ, best sellers lose their edge: suggestions are more novel and fewer come
        // from the top 1% of items; popularity itself is the same baseline either way.
        #expect(on.novelty(.recommender) > off.novelty(.recommender) + 0.3, "\(off.novelty(.recommender)) → \(on.novelty(.recommender))")
        #expect(on.topShare(.recommender) < off.topShare(.recommender))
        #expect(on.precision(.popularity, .all) == off.precision(.popularity, .all))
        var options = RecommendOptions()
        options.popularityDamping = 0.75
        var writer = WireWriter()
        options.encode(into: &writer)
        var reader = WireReader(writer.bytes, what: "options")
        #expect(try RecommendOptions.decode(from: &reader).popularityDamping == 0.75)
        #expect { try RecommendJob(parameters: JobParameters(["popularity_damping": "2"])) } throws: { "\($0)".contains("'popularity_damping'") }
    }

    @Test func badParametersAreRefusedByName() {
        #expect { try RecommendJob(parameters: JobParameters(["channel": "mail"])) } throws: { "\($0)".contains("'channel' must be one of any, store, online") }
        #expect { try RecommendJob(parameters: JobParameters(["level": "brand"])) } throws: { "\($0)".contains("'level' must be one of item, department") }
        #expect { try RecommendJob(parameters: JobParameters(["n": "0"])) } throws: { "\($0)".contains("'n' must be an integer from 1") }
        #expect { try RecommendJob.descriptor.make(columnNames: [], parameters: JobParameters(["colour": "red"])) } throws: { "\($0)".contains("has no parameter 'colour'") }
    }

    @Test func aCorruptInteractionBlobIsRefused() throws {
        let shard = RecommendKernelTests.randomShards(people: 10, items: 5, shardRows: 10, seed: 1)[0]
        let bytes = shard.encoded
        #expect(try InteractionShard(decoding: bytes, itemCount: 5) == shard)
        #expect { try InteractionShard(decoding: bytes, itemCount: 3) } throws: { "\($0)".contains("is not below the 3 items") }
        #expect(throws: OmnisegError.self) { try InteractionShard(decoding: Array(bytes.dropLast(2)), itemCount: 5) }
    }

    /// Found by the fuzzer: interactions cached after a check against one catalogue were reused for
    /// a state with a smaller one, and an item id past its end trapped.
    /// The 1M-case fuzz run of recommend.state (case 940,851) found a state whose indicator rows named
    /// one target twice: the table laid both out in one run and wrote past its end.
    @Test func indicatorRowsNamingATargetTwiceAreRefused() throws {
        func decoded(_ targets: [UInt32], kinds: [UInt8]) throws(OmnisegError) -> IndicatorRows {
            var rows = IndicatorRows()
            rows.kinds = kinds
            rows.targets = targets
            rows.starts = (0...UInt32(targets.count)).map { $0 }
            rows.others = targets.map { ($0 + 1) % 5 }
            rows.ratios = targets.map { _ in 1 }
            rows.strengths = rows.ratios
            var writer = WireWriter()
            rows.encode(into: &writer)
            var reader = WireReader(writer.bytes, what: "indicator rows")
            return try IndicatorRows.decode(from: &reader, itemCount: 5)
        }
        #expect(throws: OmnisegError.self) { try decoded([3, 3], kinds: [0, 0]) }
        let distinct = try decoded([3, 3, 0, 1], kinds: [0, 1, 0, 0])
        #expect(IndicatorTable(itemCount: 5, rows: distinct).totalCount == 4, "the same target in two kinds, and targets 0 and 1, are fine")
    }

    /// Each bucket's rows are a segment of the state: a target repeated across two buckets' segments
    /// is refused as one repeated inside a segment is.
    @Test func indicatorRowsRepeatedAcrossBucketsAreRefused() throws {
        var state = RecommendState(options: RecommendOptions(), catalog: ItemCatalog(level: .item, names: ["a", "b", "c", "d", "e"],
                                                                                        departments: [0, 0, 0, 0, 0], departmentNames: ["d"]),
                                   featureSetID: 1, asOf: 0)
        func rows(_ target: UInt32, kind: UInt8) -> IndicatorRows {
            var rows = IndicatorRows()
            rows.kinds = [kind]
            rows.targets = [target]
            rows.starts = [0, 1]
            rows.others = [(target + 1) % 5]
            rows.ratios = [1]
            rows.strengths = [1]
            return rows
        }
        state.append(rows(3, kind: 0))
        state.append(rows(3, kind: 1))
        #expect(try RecommendState(decoding: state.encoded).indicatorRows().targets == [3, 3])
        // Found by the fuzzer (recommend.state case 17,847): a bucket's rows whose middle start is near
        // 2^32 overflowed when the buckets were joined; starts must ascend in every bucket.
        var wild = try RecommendState(decoding: state.encoded)
        var bad = rows(1, kind: 0)
        bad.kinds = [0, 1]
        bad.targets = [1, 2]
        bad.starts = [0, UInt32.max - 1, 1]
        wild.append(bad)
        #expect { try RecommendState(decoding: wild.encoded).indicatorRows() } throws: { "\($0)".contains("starts decrease") }
        state.append(rows(3, kind: 0))
        let decoded = try RecommendState(decoding: state.encoded)
        #expect(decoded.rowSegments == 3)
        #expect { try decoded.indicatorRows() } throws: { "\($0)".contains("repeats kind 0 of item 3") }
    }

    /// The counting tasks read the state without the indicator rows merged so far (a task view); the
    /// scoring tasks read the whole state, the one the checkpoint stored.
    @Test func countingTasksReadTheStateWithoutTheRowsMergedSoFar() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let job = try RecommendJob(parameters: JobParameters(["n": "5", "pairs_per_bucket": "400000"]))
        let preparation = try WorkspaceJobs.prepare(job, in: workspace, matrix: matrix)
        let recording = RecordingTransport(InProcessTransport(kind: job, shards: matrix.shards, taskData: preparation.taskData, threads: 2))
        let result = try RecommendResult(decoding: job.resultBody(JobDriver(jobID: "t", kind: job, shardCount: matrix.shards.count)
            .run(transport: recording, checkpoints: MemoryCheckpoints(), firstState: { preparation.state })))
        let seen = recording.works
        #expect(seen.count == result.buckets + 2 && result.buckets > 2)
        for work in seen {
            let state = try RecommendState(decoding: job.stateBody(work.state))
            if (2...result.buckets).contains(work.iteration) {
                #expect(!work.isCheckpointedState && state.rowSegments == 0, "iteration \(work.iteration)")
            } else {
                #expect(work.isCheckpointedState, "iteration \(work.iteration)")
            }
        }
        let scoring = try RecommendState(decoding: job.stateBody(try #require(seen.last).state))
        let table = IndicatorTable(itemCount: scoring.catalog.count, rows: try scoring.indicatorRows())
        #expect(scoring.rowSegments == result.buckets && table == result.table)
    }

    @Test func aStateWithAnotherCatalogueDoesNotReuseInteractionsCheckedAgainstTheFirst() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let job = try RecommendJob(parameters: JobParameters(["n": "3"]))
        let preparation = try WorkspaceJobs.prepare(job, in: workspace, matrix: matrix)
        let data = try #require(preparation.taskData?[0])
        _ = try job.execute(shard: matrix.shards[0], data: data, iteration: 0, state: preparation.state, cancellation: .never)
        var state = try RecommendState(decoding: preparation.state)
        let c = state.catalog
        state = RecommendState(options: state.options, catalog: ItemCatalog(level: c.level, names: Array(c.names.prefix(1)),
                                                                           departments: Array(c.departments.prefix(1)), departmentNames: c.departmentNames),
                               featureSetID: state.featureSetID, asOf: state.asOf)
        #expect { try job.execute(shard: matrix.shards[0], data: data, iteration: 0, state: state.encoded, cancellation: .never) } throws: {
            "\($0)".contains("is not below the 1 items")
        }
    }
}

/// An in-process transport that keeps what each iteration's tasks were given.
final class RecordingTransport: TaskTransport, @unchecked Sendable {
    private let inner: InProcessTransport
    private(set) var works: [IterationWork] = []

    init(_ inner: InProcessTransport) { self.inner = inner }

    func run(_ work: IterationWork, progress: (Int, Int) -> Void) throws(OmnisegError) -> [[UInt8]] {
        works.append(work)
        return try inner.run(work, progress: progress)
    }
}
