import OmnisegCore

/// One person's suggestions from a `recommend` run and, for each, the history items that led to it.
public struct RecommendExplanation: Sendable {
    public struct Reason: Sendable, Equatable {
        public var kind: HistoryKind
        public var item: Int
        public var contribution: Float
    }

    public struct Line: Sendable {
        public var item: Int
        public var score: Float
        public var backfill: Bool
        public var reasons: [Reason]
        /// The popularity part of the score, P(item).
        public var base: Float
    }

    public let person: Int64
    public let lines: [Line]
    public let historySize: Int

    /// Scores the person's `history` (a one-row shard as of the run) with the run's indicators.
    public init(result: RecommendResult, person: Int64, history: InteractionShard) {
        let recommender = PersonRecommender(options: result.options, table: result.table, popularity: result.popularity, people: result.countedPeople)
        var scratch = PersonRecommender.Scratch(itemCount: result.catalog.count)
        scratch.load(history, row: 0, options: result.options)
        var lines: [Line] = []
        recommender.recommend(&scratch) { _, s in
            lines.append(Line(item: Int(s.item), score: s.score, backfill: s.backfill, reasons: [], base: recommender.baseRate[Int(s.item)]))
        }
        for i in lines.indices where !lines[i].backfill {
            lines[i].reasons = recommender.explain(UInt32(lines[i].item), scratch: scratch).map { Reason(kind: $0.kind, item: Int($0.item), contribution: $0.contribution) }
        }
        self.person = person
        self.lines = lines
        historySize = history.interactionCount
    }

    public func text(_ catalog: ItemCatalog, reasons limit: Int = 3) -> String {
        var out = "person \(person): \(Format.count(historySize)) interactions in the run's window\n"
        for (rank, line) in lines.enumerated() {
            let name = "\(catalog.names[line.item]) (\(catalog.department(of: line.item)))"
            if line.backfill {
                out += "  \(rank + 1). \(name) — popular (no history points to a better one)\n"
                continue
            }
            out += "  \(rank + 1). \(name) score \(Format.fixed(Double(line.score), 3)) (bought by \(Format.fixed(100 * Double(line.base), 1))% of people)\n"
            for reason in line.reasons.prefix(limit) {
                out += "       because of \(reason.kind.description) \(catalog.names[reason.item]): +\(Format.fixed(Double(reason.contribution), 3))\n"
            }
            if line.reasons.count > limit { out += "       and \(line.reasons.count - limit) more history items\n" }
        }
        return out
    }
}
