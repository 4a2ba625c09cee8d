import Foundation
@testable import OmnisegCore
@testable import Recommend
import Testing

/// The evaluation's metrics against their definitions on hand-worked lists, and its partials.
@Suite struct RecommendEvaluationTests {
    @Test func oneListsMetricsAreTheirDefinitions() {
        var e = RecommendEvaluation(holdoutDays: 30, k: 3, items: 250)
        e.count(.all)
        // Suggested 1, 2, 3 against bought {2, 5}: one hit, at rank 2.
        e.add(.recommender, .all, list: [1, 2, 3, 9], relevant: [2, 5])
        #expect(abs(e.precision(.recommender, .all) - 1.0 / 3) < 1e-12, "hits over k (the list's 4th item is past k)")
        #expect(abs(e.recall(.recommender, .all) - 0.5) < 1e-12)
        #expect(abs(e.meanAveragePrecision(.recommender, .all) - 0.5 / 2) < 1e-12, "precision at the hit, over min(relevant, k)")
        let ideal = 1 + 1 / log2(3.0)
        #expect(abs(e.ndcg(.recommender, .all) - (1 / log2(3.0)) / ideal) < 1e-12)
        #expect(e.precision(.popularity, .all) == 0 && e.ndcg(.ownHistory, .new) == 0, "other methods and variants untouched")

        // A perfect list scores 1 on NDCG whatever the order of the relevant items within it.
        var perfect = RecommendEvaluation(holdoutDays: 30, k: 3, items: 250)
        perfect.count(.new)
        perfect.add(.popularity, .new, list: [7, 4, 8], relevant: [4, 7])
        #expect(abs(perfect.ndcg(.popularity, .new) - 1) < 1e-12 && abs(perfect.recall(.popularity, .new) - 1) < 1e-12)
    }

    @Test func coverageAndTopShareCountTheSuggestions() {
        // 250 items: the top 1 % is 3 items (rounded up), the first three of the popularity order.
        let top = RecommendEvaluation.topItems([40, 7, 12, 3, 99], items: 250)
        #expect(top.indices.filter { top[$0] } == [7, 12, 40])
        var e = RecommendEvaluation(holdoutDays: 7, k: 2, items: 250)
        // Novelty: item 40 bought by 15 of 31 people counted, the others by none: −log₂(16/32) = 1 bit, −log₂(1/32) = 5 bits.
        var popularity = [UInt32](repeating: 0, count: 250)
        popularity[40] = 15
        let novelty = RecommendEvaluation.itemNovelty(popularity: popularity, people: 31)
        #expect(novelty[40] == 1 && novelty[200] == 5)
        e.suggest(.recommender, list: [40, 200, 201], top: top, novelty: novelty)
        e.suggest(.recommender, list: [40, 12], top: top, novelty: novelty)
        #expect(e.novelty(.recommender) == (1 + 5 + 1 + 5) / 4.0 && e.novelty(.popularity) == 0, "the mean over the k places suggested")
        #expect(e.places[0] == 4 && e.topPlaces[0] == 3, "k places per list; 40, 40 and 12 are top items")
        #expect(abs(e.topShare(.recommender) - 0.75) < 1e-12 && abs(e.coverage(.recommender) - 3.0 / 250) < 1e-12, "40, 200, 12")
        #expect(e.coverage(.popularity) == 0 && e.topShare(.popularity) == 0)
    }

    @Test func partialsAddUpAndRoundTrip() throws {
        let top = RecommendEvaluation.topItems([1, 2, 3], items: 130)
        let novelty = (0..<130).map { Double($0 % 7) }  // whole numbers: sums in any order are exact
        var whole = RecommendEvaluation(holdoutDays: 14, k: 2, items: 130)
        var parts = [RecommendEvaluation(holdoutDays: 14, k: 2, items: 130), RecommendEvaluation(holdoutDays: 14, k: 2, items: 130)]
        let people: [(list: [UInt32], relevant: [UInt32])] = [([1, 129], [129]), ([5, 6], [6, 70]), ([2, 3], [8])]
        for (n, person) in people.enumerated() {
            // The first person in one shard, the others in the second.
            let e = n == 0 ? 0 : 1
            parts[e].count(.all)
            parts[e].add(.ownHistory, .all, list: person.list, relevant: person.relevant)
            parts[e].suggest(.ownHistory, list: person.list, top: top, novelty: novelty)
            whole.count(.all)
            whole.add(.ownHistory, .all, list: person.list, relevant: person.relevant)
            whole.suggest(.ownHistory, list: person.list, top: top, novelty: novelty)
        }
        var merged = parts[0]
        merged.add(parts[1])
        #expect(merged == whole, "shards' partials add up to the whole")
        #expect(merged.coverage(.ownHistory) == 6.0 / 130 && merged.people == [3, 0])
        var writer = WireWriter()
        merged.encode(into: &writer)
        var reader = WireReader(writer.bytes, what: "evaluation")
        #expect(try RecommendEvaluation.decode(from: &reader) == merged)
        var truncated = WireReader(Array(writer.bytes.dropLast(5)), what: "evaluation")
        #expect(throws: OmnisegError.self) { try RecommendEvaluation.decode(from: &truncated) }
    }
}

/// How items are bought again across people, and the repurchase propensity of one person's item.
@Suite struct RepeatStatisticsTests {
    @Test func repeatBuyersAndTheirGapsAreCountedPerItemAndDay() throws {
        // Row 0 buys item 1 on days 10, 40 (twice) and 70, and item 2 once; row 1 buys item 1 on day 5
        // and views item 2 (not a purchase); row 2 buys item 2 online on days 3 and 9.
        let shard = InteractionShard(rowStart: 0, offsets: [0, 5, 7, 9], items: [1, 1, 1, 2, 1, 1, 2, 2, 2],
                                     actions: [0, 0, 0, 0, 0, 0, 2, 1, 1], days: [10, 40, 40, 41, 70, 5, 6, 3, 9])
        let s = RepeatStatistics(shard, options: RecommendOptions(), itemCount: 3)
        #expect(s.buyers == [0, 2, 2] && s.repeaters == [0, 1, 1], "\(s)")
        #expect(s.meanGap(1) == 30 && s.meanGap(2) == 6 && s.meanGap(0) == nil)
        #expect(s.repeatRate(1) == 0.5 && s.repeatRate(0) == 0.5)
        var both = s
        both.add(s)
        #expect(both.buyers == [0, 4, 4] && both.meanGap(1) == 30)
        var writer = WireWriter()
        s.encode(into: &writer)
        var reader = WireReader(writer.bytes, what: "repeats")
        #expect(try RepeatStatistics.decode(from: &reader, itemCount: 3) == s)
        var damaged = s
        damaged.repeaters[1] = 3
        var w2 = WireWriter()
        damaged.encode(into: &w2)
        var r2 = WireReader(w2.bytes, what: "repeats")
        #expect(throws: OmnisegError.self) { try RepeatStatistics.decode(from: &r2, itemCount: 3) }
        var r3 = WireReader(writer.bytes, what: "repeats")
        #expect(throws: OmnisegError.self) { try RepeatStatistics.decode(from: &r3, itemCount: 4) }
    }

    @Test func daysAtTheEndsOfInt32AreCountedWithoutOverflow() {
        // Found by the fuzzer: a blob's days are anything in Int32, and their difference overflowed.
        let shard = InteractionShard(rowStart: 0, offsets: [0, 2], items: [0, 0], actions: [0, 0], days: [Int32.min, Int32.max])
        let s = RepeatStatistics(shard, options: RecommendOptions(), itemCount: 1)
        #expect(s.repeaters == [1] && s.gapDays[0] == Double(Int32.max) - Double(Int32.min))
        let p = RepurchasePropensity.of(days: 2, first: .min, last: .max, today: .min, horizon: 30, repeatRate: 0.5, itemGap: nil)
        let q = RepurchasePropensity.of(days: 1, first: .min, last: .min, today: .max, horizon: 30, repeatRate: 0.5, itemGap: nil)
        #expect((0...1).contains(p) && (0...1).contains(q), "\(p), \(q)")
    }

    @Test func onlyAJobWithRepeatsCarriesTheStatistics() throws {
        let catalog = ItemCatalog(level: .item, names: ["a", "b", "c"], departments: [0, 0, 0], departmentNames: ["d"])
        var options = RecommendOptions()
        let plain = RecommendState(options: options, catalog: catalog, featureSetID: 1, asOf: 0)
        options.repeats = true
        let withRepeats = RecommendState(options: options, catalog: catalog, featureSetID: 1, asOf: 0)
        #expect(plain.repeats == nil && withRepeats.repeats?.buyers.count == 3)
        #expect(try RecommendState(decoding: plain.encoded).repeats == nil)
        #expect(try RecommendState(decoding: withRepeats.encoded).repeats == withRepeats.repeats)
        #expect(plain.encoded.count + 3 * 16 < withRepeats.encoded.count + 16, "16 bytes an item, only with repeats")
    }

    @Test func anItemIsLikelierToBeBoughtWhenItIsDueThanJustAfterOrLongAfter() {
        func p(days: Int, last: Int32, rate: Double = 0.5, gap: Double? = nil) -> Double {
            RepurchasePropensity.of(days: days, first: 100, last: last, today: 200, horizon: 30, repeatRate: rate, itemGap: gap)
        }
        // Bought on 4 days 30 days apart (100 … 190 would be 4 days: gap 30).
        let due = p(days: 4, last: 175), justBought = p(days: 4, last: 199), overdue = p(days: 4, last: 100 + 30 * 3)
        #expect(due > 0.5 && due > justBought, "due \(due), just bought \(justBought)")
        let longGone = RepurchasePropensity.of(days: 4, first: -200, last: -110, today: 200, horizon: 30, repeatRate: 0.5, itemGap: nil)
        #expect(longGone < 0.05 && overdue > longGone, "ten cycles overdue: \(longGone)")
        // Bought once: the item's repeat rate across people and its usual gap decide.
        #expect(p(days: 1, last: 170, rate: 0.6, gap: 40) > p(days: 1, last: 170, rate: 0.1, gap: 40))
        #expect(p(days: 1, last: 170, rate: 0.5, gap: 40) > p(days: 1, last: 170, rate: 0.5, gap: 400))
        #expect((0...1).contains(due) && (0...1).contains(justBought))
    }
}
