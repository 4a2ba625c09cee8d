/// Scores items for people from their recent history: an item's score is the sum, over the person's
/// most recent distinct purchased, viewed and cart-added items, of the kind's weight times the
/// log-likelihood ratio of the indicator linking the history item to it. What the person bought is
/// left out, unless ``RecommendOptions/repeats``, which blends in their own purchase frequency so
/// staples rank too. Places left empty are filled with the most popular target items.
struct PersonRecommender {
    let options: RecommendOptions
    let itemCount: Int
    /// Per indicator kind j: for history item b, `starts[j][b] ..< starts[j][b + 1]` index the target
    /// items it indicates and the ratios (the indicator table, transposed).
    private var starts: [[UInt32]]
    private var targets: [[UInt32]]
    private var ratios: [[Float]]
    /// Target items, most popular first.
    let popular: [UInt32]

    init(options: RecommendOptions, table: IndicatorTable, popularity: [UInt32]) {
        self.options = options
        itemCount = table.itemCount
        starts = []
        targets = []
        ratios = []
        for j in 0..<PairCounts.kinds {
            var start = [UInt32](repeating: 0, count: itemCount + 1)
            for b in table.others[j] { start[Int(b) + 1] += 1 }
            for b in 0..<itemCount { start[b + 1] += start[b] }
            var fill = start
            var target = [UInt32](repeating: 0, count: table.others[j].count)
            var ratio = [Float](repeating: 0, count: target.count)
            for a in 0..<itemCount {
                for e in Int(table.starts[j][a])..<Int(table.starts[j][a + 1]) {
                    let b = Int(table.others[j][e])
                    target[Int(fill[b])] = UInt32(a)
                    ratio[Int(fill[b])] = table.ratios[j][e]
                    fill[b] += 1
                }
            }
            starts.append(start)
            targets.append(target)
            ratios.append(ratio)
        }
        popular = (0..<UInt32(popularity.count)).filter { popularity[Int($0)] > 0 }
            .sorted { popularity[Int($0)] > popularity[Int($1)] || (popularity[Int($0)] == popularity[Int($1)] && $0 < $1) }
    }

    /// Reusable per-thread scratch space: a dense score per item, per-item marks of what the person
    /// has (stamped per person, so nothing is cleared between people) and the person's history.
    struct Scratch {
        var scores: [Float]
        var touched: [UInt32] = []
        var stamp: UInt32 = 0
        /// Per indicator kind and item: the stamp of the last person whose recent history has it.
        var seen: [[UInt32]]
        /// Per item: the stamp of the last person who bought it, and their target purchases of it.
        var boughtStamp: [UInt32]
        var targetPurchases: [UInt32]
        /// The person's most recent distinct items per indicator kind, and the items of their target purchases.
        var recent: [[UInt32]] = [[], [], []]
        var targetItems: [UInt32] = []
        var candidates: [(score: Float, item: UInt32)] = []

        init(itemCount: Int) {
            scores = [Float](repeating: 0, count: itemCount)
            seen = [[UInt32]](repeating: [UInt32](repeating: 0, count: itemCount), count: PairCounts.kinds)
            boughtStamp = [UInt32](repeating: 0, count: itemCount)
            targetPurchases = [UInt32](repeating: 0, count: itemCount)
        }

        var hasHistory: Bool { !recent[0].isEmpty || !recent[1].isEmpty || !recent[2].isEmpty }

        @inline(__always)
        func bought(_ item: UInt32) -> Bool { boughtStamp[Int(item)] == stamp }

        /// Loads row r's history: newest first, at most `recentItems` distinct items per kind.
        mutating func load(_ shard: InteractionShard, row r: Int, options: RecommendOptions) {
            stamp &+= 1
            if stamp == 0 {
                // Wrapped: clear the marks once every 2^32 people.
                for j in 0..<seen.count { for i in seen[j].indices { seen[j][i] = 0 } }
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
                        targetPurchases[Int(item)] += 1
                    }
                case .view: j = 1
                case .cartAdd: j = 2
                }
                if recent[j].count < options.recentItems && seen[j][Int(item)] != stamp {
                    seen[j][Int(item)] = stamp
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
        for j in 0..<PairCounts.kinds {
            let weight = Float(options.weights[j])
            guard weight != 0 else { continue }
            for b in scratch.recent[j] {
                for e in Int(starts[j][Int(b)])..<Int(starts[j][Int(b) + 1]) {
                    let a = Int(targets[j][e])
                    if scratch.scores[a] == 0 { scratch.touched.append(UInt32(a)) }
                    scratch.scores[a] += weight * ratios[j][e]
                }
            }
        }
        scratch.candidates.removeAll(keepingCapacity: true)
        if options.repeats {
            var top: Float = 0
            for a in scratch.touched { top = max(top, scratch.scores[Int(a)]) }
            var most: UInt32 = 0
            for a in scratch.targetItems { most = max(most, scratch.targetPurchases[Int(a)]) }
            let share = Float(options.repeatWeight)
            for a in scratch.touched where !(scratch.bought(a) && scratch.targetPurchases[Int(a)] > 0) {
                scratch.candidates.append(((1 - share) * scratch.scores[Int(a)] / top, a))
            }
            for a in scratch.targetItems {
                let indicated = top > 0 ? scratch.scores[Int(a)] / top : 0
                scratch.candidates.append(((1 - share) * indicated + share * Float(scratch.targetPurchases[Int(a)]) / Float(most), a))
            }
        } else {
            for a in scratch.touched where !scratch.bought(a) { scratch.candidates.append((scratch.scores[Int(a)], a)) }
        }
        for a in scratch.touched { scratch.scores[Int(a)] = 0 }
        scratch.touched.removeAll(keepingCapacity: true)
        let better: ((score: Float, item: UInt32), (score: Float, item: UInt32)) -> Bool = { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
        if scratch.candidates.count > options.count {
            var ratioCandidates = scratch.candidates.map { (ratio: Double($0.score), item: $0.item) }
            IndicatorSelector.keepTop(&ratioCandidates, options.count)
            scratch.candidates = ratioCandidates.map { (Float($0.ratio), $0.item) }
        } else {
            scratch.candidates.sort(by: better)
        }
        var placed = 0
        for c in scratch.candidates {
            emit(placed, Suggestion(item: c.item, score: c.score, backfill: false))
            placed += 1
        }
        guard placed < options.count else { return }
        for a in popular where placed < options.count {
            guard options.repeats || !scratch.bought(a), !scratch.candidates.contains(where: { $0.item == a }) else { continue }
            emit(placed, Suggestion(item: a, score: 0, backfill: true))
            placed += 1
        }
    }

    /// Which history items led to `item`'s score for the history loaded in `scratch`: (indicator kind,
    /// history item, weighted ratio), largest first.
    func explain(_ item: UInt32, scratch: Scratch) -> [(kind: HistoryKind, item: UInt32, contribution: Float)] {
        var parts: [(kind: HistoryKind, item: UInt32, contribution: Float)] = []
        for j in 0..<PairCounts.kinds {
            for b in scratch.recent[j] {
                for e in Int(starts[j][Int(b)])..<Int(starts[j][Int(b) + 1]) where targets[j][e] == item {
                    parts.append((HistoryKind.indicators[j], b, Float(options.weights[j]) * ratios[j][e]))
                }
            }
        }
        return parts.sorted { $0.contribution > $1.contribution || ($0.contribution == $1.contribution && $0.item < $1.item) }
    }
}
