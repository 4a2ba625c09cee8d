import Foundation

/// Scores items for people from their recent history: an item's score estimates the target purchases
/// of it to expect from the person's most recent distinct purchased, viewed and cart-added items b
/// (history kind weights w), Σ w · P(a | b), where a pair that is not an indicator (its
/// log-likelihood ratio did not make the top N) is taken at the base rate P(a). So score(a) =
/// λ · W · P(a) + Σ over indicators w · (P(a | b) − P(a)), W = Σ w; λ
/// (``RecommendOptions/popularityWeight``, default 0.3) discounts the base rate because a history's
/// items are not independent evidence; the whole is divided by P(a)^γ
/// (``RecommendOptions/popularityDamping``, default 0: off; `recommend evaluate` chooses it on a
/// validation slice) so best sellers do not crowd out the rest. What the person bought is left out, unless
/// ``RecommendOptions/repeats``, which blends in each own item's repurchase propensity
/// (``RepurchasePropensity``: the item's repeat rate across people, the person's purchase days of it
/// and how far into their usual gap for it they are) so staples rank when they are due.
/// A person without history gets the most popular items (marked as backfill).
struct PersonRecommender: Sendable {
    let options: RecommendOptions
    let itemCount: Int
    /// Per indicator kind j: for history item b, `starts[j][b] ..< starts[j][b + 1]` index the target
    /// items it indicates and the strengths (the indicator table, transposed).
    private var starts: [[UInt32]]
    private var targets: [[UInt32]]
    private var strengths: [[Float]]
    /// Target items, most popular first.
    let popular: [UInt32]
    /// Per item, P(a): the share of the people counted who made a target purchase of it.
    let baseRate: [Float]
    /// P(a) over P(a)^γ (``RecommendOptions/popularityDamping``): the base part of the score.
    let dampedBase: [Float]
    /// With repeats: how items are bought again across people, the day histories end and the days ahead.
    let repeats: RepeatStatistics?
    let today: Int32
    let horizon: Int

    /// `popularity`: people per item with a target purchase, out of `people` with any interaction;
    /// `repeats`, `today` and `horizon` rank own items with ``RecommendOptions/repeats``.
    init(options: RecommendOptions, table: IndicatorTable, popularity: [UInt32], people: Int,
         repeats: RepeatStatistics? = nil, today: Int32 = 0, horizon: Int = 30) {
        self.options = options
        self.repeats = repeats
        self.today = today
        self.horizon = horizon
        itemCount = table.itemCount
        starts = []
        targets = []
        strengths = []
        baseRate = popularity.map { Float(Double($0) / Double(max(1, people))) }
        // Popularity damping: every part of item a's score over P(a)^γ (P(a) at least one person's share).
        let floorRate = 1 / Double(max(1, people))
        let damp = popularity.map { Float(pow(max(Double($0) / Double(max(1, people)), floorRate), -options.popularityDamping)) }
        dampedBase = zip(baseRate, damp).map { $0 * $1 }
        for j in 0..<PairCounts.kinds {
            var start = [UInt32](repeating: 0, count: itemCount + 1)
            for b in table.others[j] { start[Int(b) + 1] += 1 }
            for b in 0..<itemCount { start[b + 1] += start[b] }
            var fill = start
            var target = [UInt32](repeating: 0, count: table.others[j].count)
            var strength = [Float](repeating: 0, count: target.count)
            for a in 0..<itemCount {
                for e in Int(table.starts[j][a])..<Int(table.starts[j][a + 1]) {
                    let b = Int(table.others[j][e])
                    target[Int(fill[b])] = UInt32(a)
                    strength[Int(fill[b])] = table.strengths[j][e] * damp[a]
                    fill[b] += 1
                }
            }
            // A popular history item indicates thousands of targets, mostly weakly: keep its strongest
            // `fanOut` (ties by item id), which bounds the work per history item.
            let fanOut = options.fanOut
            var kept: [UInt32] = [0], keptTargets: [UInt32] = [], keptStrengths: [Float] = []
            var order: [Int] = []
            for b in 0..<itemCount {
                let range = Int(start[b])..<Int(start[b + 1])
                if range.count <= fanOut {
                    keptTargets += target[range]
                    keptStrengths += strength[range]
                } else {
                    order = Array(range)
                    order.sort { strength[$0] > strength[$1] || (strength[$0] == strength[$1] && target[$0] < target[$1]) }
                    for e in order.prefix(fanOut) {
                        keptTargets.append(target[e])
                        keptStrengths.append(strength[e])
                    }
                }
                kept.append(UInt32(keptTargets.count))
            }
            starts.append(kept)
            targets.append(keptTargets)
            strengths.append(keptStrengths)
        }
        popular = (0..<UInt32(popularity.count)).filter { popularity[Int($0)] > 0 }
            .sorted { popularity[Int($0)] > popularity[Int($1)] || (popularity[Int($0)] == popularity[Int($1)] && $0 < $1) }
    }

    /// Reusable per-thread scratch space: a dense score per item, per-item marks of what the person
    /// has (stamped per person, so nothing is cleared between people) and the person's history.
    struct Scratch {
        var scores: [Float]
        /// The items whose score the current person touched (the first of them; room for every item).
        var touched: [UInt32]
        var stamp: UInt32 = 0
        /// Per indicator kind j and item b, at `j * itemCount + b`: the stamp of the last person whose
        /// recent history has it.
        var seen: [UInt32]
        /// Per item: the stamp of the last person who bought it, and their target purchases of it.
        var boughtStamp: [UInt32]
        var targetPurchases: [UInt32]
        /// With repeats, per item bought: the distinct days of its target purchases, the first and the last.
        var targetDays: [UInt32]
        var firstDay: [Int32]
        var lastDay: [Int32]
        /// The person's most recent distinct items per indicator kind, and the items of their target purchases.
        var recent: [[UInt32]] = [[], [], []]
        var targetItems: [UInt32] = []
        /// The best suggestions so far, best first.
        var window: [(score: Float, item: UInt32)] = []

        init(itemCount: Int) {
            scores = [Float](repeating: 0, count: itemCount)
            touched = [UInt32](repeating: 0, count: itemCount)
            seen = [UInt32](repeating: 0, count: itemCount * PairCounts.kinds)
            boughtStamp = [UInt32](repeating: 0, count: itemCount)
            targetPurchases = [UInt32](repeating: 0, count: itemCount)
            targetDays = [UInt32](repeating: 0, count: itemCount)
            firstDay = [Int32](repeating: 0, count: itemCount)
            lastDay = [Int32](repeating: 0, count: itemCount)
        }

        var hasHistory: Bool { !recent[0].isEmpty || !recent[1].isEmpty || !recent[2].isEmpty }

        @inline(__always)
        func bought(_ item: UInt32) -> Bool { boughtStamp[Int(item)] == stamp }

        /// Loads row r's history: newest first, at most `recentItems` distinct items per kind.
        mutating func load(_ shard: InteractionShard, row r: Int, options: RecommendOptions) {
            stamp &+= 1
            if stamp == 0 {
                // Wrapped: clear the marks once every 2^32 people.
                for i in seen.indices { seen[i] = 0 }
                for i in boughtStamp.indices { boughtStamp[i] = 0 }
                stamp = 1
            }
            for j in 0..<recent.count { recent[j].removeAll(keepingCapacity: true) }
            targetItems.removeAll(keepingCapacity: true)
            for i in shard.range(ofRow: r).reversed() {
                guard let action = InteractionAction(rawValue: shard.actions[i]) else { continue }
                let item = shard.items[i]
                let j: Int
                switch action {
                case .storePurchase, .onlinePurchase:
                    j = 0
                    if boughtStamp[Int(item)] != stamp {
                        boughtStamp[Int(item)] = stamp
                        targetPurchases[Int(item)] = 0
                    }
                    if options.channel.isTarget(action) {
                        if targetPurchases[Int(item)] == 0 { targetItems.append(item) }
                        if options.repeats {
                            // Newest first: the first purchase seen is the last day; each earlier day is the first so far.
                            let day = shard.days[i]
                            if targetPurchases[Int(item)] == 0 {
                                targetDays[Int(item)] = 1
                                lastDay[Int(item)] = day
                                firstDay[Int(item)] = day
                            } else if day != firstDay[Int(item)] {
                                targetDays[Int(item)] += 1
                                firstDay[Int(item)] = day
                            }
                        }
                        targetPurchases[Int(item)] += 1
                    }
                case .view: j = 1
                case .cartAdd: j = 2
                }
                let mark = j * scores.count + Int(item)
                if recent[j].count < options.recentItems && seen[mark] != stamp {
                    seen[mark] = stamp
                    recent[j].append(item)
                }
            }
        }
    }

    /// A suggestion: the item, its score, and whether it came from the popularity backfill.
    struct Suggestion: Equatable {
        var item: UInt32
        var score: Float
        var backfill: Bool
    }

    /// The top ``RecommendOptions/count`` suggestions for the history loaded in `scratch`, passed to `emit` best first.
    func recommend(_ scratch: inout Scratch, emit: (Int, Suggestion) -> Void) {
        // The indicator part, Σ w · (P(a | b) − P(a)), on the items it touches (every term is > 0).
        var historyWeight: Float = 0
        var touchedCount = 0
        for j in 0..<PairCounts.kinds {
            let weight = Float(options.weights[j])
            guard weight != 0 else { continue }
            historyWeight += weight * Float(scratch.recent[j].count)
            touchedCount = Self.accumulate(weight: weight, history: scratch.recent[j], starts: starts[j], targets: targets[j], strengths: strengths[j],
                                           scores: &scratch.scores, touched: &scratch.touched, touchedCount: touchedCount)
        }
        let base = Float(options.popularityWeight) * max(historyWeight, 1)
        scratch.window.removeAll(keepingCapacity: true)
        if options.repeats {
            scoreWithRepeats(&scratch, touchedCount: touchedCount, base: base)
        } else {
            for t in 0..<touchedCount {
                let a = scratch.touched[t]
                guard !scratch.bought(a) else { continue }
                Self.offer((base * dampedBase[Int(a)] + scratch.scores[Int(a)], a), to: &scratch.window, size: options.count)
            }
            // An untouched item scores λ · W · P(a), in popularity order: the first `count` of them are enough.
            var untouched = 0
            for a in popular {
                if untouched == options.count { break }
                guard scratch.scores[Int(a)] == 0, !scratch.bought(a) else { continue }
                Self.offer((base * dampedBase[Int(a)], a), to: &scratch.window, size: options.count)
                untouched += 1
            }
        }
        scratch.scores.withUnsafeMutableBufferPointer { scores in
            for t in 0..<touchedCount { scores[Int(scratch.touched[t])] = 0 }
        }
        // Without any history every score is zero: the places are popularity backfill.
        for (place, c) in scratch.window.enumerated() {
            emit(place, Suggestion(item: c.item, score: c.score, backfill: !scratch.hasHistory))
        }
    }

    /// With `repeats`: every candidate's score scaled to the best one, blended with the repurchase
    /// propensity of the person's own items (every item they bought is a candidate), into the window.
    private func scoreWithRepeats(_ scratch: inout Scratch, touchedCount: Int, base: Float) {
        var candidates: [(score: Float, item: UInt32)] = []
        for t in 0..<touchedCount {
            let a = scratch.touched[t]
            candidates.append((base * dampedBase[Int(a)] + scratch.scores[Int(a)], a))
        }
        for a in scratch.targetItems where scratch.scores[Int(a)] == 0 { candidates.append((base * dampedBase[Int(a)], a)) }
        var untouched = 0
        for a in popular {
            if untouched == options.count { break }
            guard scratch.scores[Int(a)] == 0, !scratch.bought(a) else { continue }
            candidates.append((base * dampedBase[Int(a)], a))
            untouched += 1
        }
        var top: Float = 0
        for c in candidates { top = max(top, c.score) }
        let share = Float(options.repeatWeight)
        for c in candidates {
            let own = scratch.bought(c.item) && scratch.targetPurchases[Int(c.item)] > 0 ? propensity(c.item, scratch) : 0
            Self.offer(((1 - share) * (top > 0 ? c.score / top : 0) + share * own, c.item), to: &scratch.window, size: options.count)
        }
    }

    /// The chance the person buys `item` (one of theirs) again within the horizon (``RepurchasePropensity``).
    func propensity(_ item: UInt32, _ scratch: Scratch) -> Float {
        let a = Int(item)
        let rate = repeats.map { a < $0.buyers.count ? $0.repeatRate(a) : 0.5 } ?? 0.5
        let gap = repeats.flatMap { a < $0.buyers.count ? $0.meanGap(a) : nil }
        return Float(RepurchasePropensity.of(days: Int(scratch.targetDays[a]), first: scratch.firstDay[a], last: scratch.lastDay[a], today: today,
                                             horizon: horizon, repeatRate: rate, itemGap: gap))
    }

    /// Enters `c` into `window` (at most `size`, best first: higher score, then lower item id) if it belongs.
    @inline(__always)
    private static func offer(_ c: (score: Float, item: UInt32), to window: inout [(score: Float, item: UInt32)], size: Int) {
        func better(_ x: (score: Float, item: UInt32), _ y: (score: Float, item: UInt32)) -> Bool {
            x.score > y.score || (x.score == y.score && x.item < y.item)
        }
        if window.count == size {
            guard size > 0, better(c, window[size - 1]) else { return }
            window[size - 1] = c
        } else {
            window.append(c)
        }
        var i = window.count - 1
        while i > 0 && better(c, window[i - 1]) {
            window[i] = window[i - 1]
            i -= 1
        }
        window[i] = c
    }

    /// Adds `weight` × strength to the score of every target the `history` items indicate, listing
    /// the targets touched for the first time in `touched` after its first `touchedCount`; returns the
    /// new count (the hot loop of scoring: raw buffers, no copies, no reference counting).
    @inline(__always)
    private static func accumulate(weight: Float, history: [UInt32], starts: [UInt32], targets: [UInt32], strengths: [Float],
                                   scores: inout [Float], touched: inout [UInt32], touchedCount: Int) -> Int {
        var count = touchedCount
        starts.withUnsafeBufferPointer { starts in
            targets.withUnsafeBufferPointer { targets in
                strengths.withUnsafeBufferPointer { strengths in
                    scores.withUnsafeMutableBufferPointer { scores in
                        touched.withUnsafeMutableBufferPointer { touched in
                            for b in history {
                                for e in Int(starts[Int(b)])..<Int(starts[Int(b) &+ 1]) {
                                    let a = Int(targets[e])
                                    if scores[a] == 0 && count < touched.count {
                                        touched[count] = UInt32(truncatingIfNeeded: a)
                                        count &+= 1
                                    }
                                    scores[a] += weight * strengths[e]
                                }
                            }
                        }
                    }
                }
            }
        }
        return count
    }

    /// Which history items led to `item`'s score for the history loaded in `scratch`: (indicator kind,
    /// history item, w · (P(item | b) − P(item))), largest first.
    func explain(_ item: UInt32, scratch: Scratch) -> [(kind: HistoryKind, item: UInt32, contribution: Float)] {
        var parts: [(kind: HistoryKind, item: UInt32, contribution: Float)] = []
        for j in 0..<PairCounts.kinds {
            for b in scratch.recent[j] {
                for e in Int(starts[j][Int(b)])..<Int(starts[j][Int(b) + 1]) where targets[j][e] == item {
                    parts.append((HistoryKind.indicators[j], b, Float(options.weights[j]) * strengths[j][e]))
                }
            }
        }
        return parts.sorted { $0.contribution > $1.contribution || ($0.contribution == $1.contribution && $0.item < $1.item) }
    }
}
