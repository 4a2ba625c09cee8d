import OmnisegCore

/// Renders a `recommend` result: a summary, the most popular items' strongest indicators, and
/// per-person suggestions as CSV.
public enum RecommendReport {
    /// How many people got at least one suggestion from their history, and how many places were backfilled.
    static func coverage(_ r: RecommendResult) -> (personalised: Int, backfilledPlaces: Int, places: Int) {
        let n = r.options.count
        var personalised = 0, backfilled = 0, places = 0
        for row in 0..<r.people {
            var any = false
            for i in row * n..<(row + 1) * n where r.items[i] != UInt32.max {
                places += 1
                if r.backfilled[i] == 1 { backfilled += 1 } else { any = true }
            }
            if any { personalised += 1 }
        }
        return (personalised, backfilled, places)
    }

    /// The most popular target items, most popular first.
    static func topItems(_ r: RecommendResult, limit: Int) -> [Int] {
        Array(r.popularity.indices.filter { r.popularity[$0] > 0 }.sorted { (r.popularity[$0], -$0) > (r.popularity[$1], -$1) }.prefix(limit))
    }

    public static func text(_ r: RecommendResult) -> String {
        let c = coverage(r)
        var lines = [
            "recommendations for \(r.options.channel == .any ? "any channel" : r.options.channel.rawValue) at \(r.catalog.level.rawValue) level, "
                + "feature set \(r.featureSetID) as of \(CivilDate.isoDate(unixSeconds: r.asOf))",
            "  \(Format.count(r.interactions)) interactions of \(Format.count(r.peopleWithHistory)) people over \(Format.count(r.catalog.count)) items",
            "  \(Format.count(r.pairs)) distinct item pairs counted in \(r.buckets) bucket(s); \(Format.count(r.table.totalCount)) indicators kept "
                + "(≤ \(r.options.indicatorsPerItem) per item and kind, LLR > \(Format.fixed(r.options.minimumRatio, 1)))",
            "  \(Format.count(c.personalised)) of \(Format.count(r.people)) people have personal suggestions; "
                + "\(Format.count(c.backfilledPlaces)) of \(Format.count(c.places)) places filled by popularity",
            "",
            "strongest indicators of the most bought items:",
        ]
        for a in topItems(r, limit: 5) {
            lines.append("  \(r.catalog.names[a]) (\(r.catalog.department(of: a)), bought by \(Format.count(Int(r.popularity[a]))))")
            for (j, kind) in HistoryKind.indicators.enumerated() {
                let top = r.table.indicators(kind: j, item: a).prefix(3)
                guard !top.isEmpty else { continue }
                let list = top.map { "\(r.catalog.names[$0.item]) \(Format.fixed(Double($0.ratio), 1))" }.joined(separator: ", ")
                lines.append("    after \(kind.description): \(list)")
            }
        }
        var text = lines.joined(separator: "\n") + "\n"
        if let evaluation = r.evaluation { text += "\n" + evaluation.text(asOf: r.asOf) }
        return text
    }

    public static func json(_ r: RecommendResult) -> String {
        let c = coverage(r)
        let items = topItems(r, limit: 20).map { a -> String in
            var pairs: [(String, String)] = [("item", JSONText.quoted(r.catalog.names[a])), ("department", JSONText.quoted(r.catalog.department(of: a))),
                                             ("popularity", "\(r.popularity[a])")]
            for (j, kind) in HistoryKind.indicators.enumerated() {
                let list = r.table.indicators(kind: j, item: a).map {
                    JSONText.object([("item", JSONText.quoted(r.catalog.names[$0.item])), ("llr", JSONText.number(Double($0.ratio)))])
                }
                pairs.append((kind.description, "[" + list.joined(separator: ",") + "]"))
            }
            return JSONText.object(pairs)
        }
        return JSONText.object([
            ("channel", JSONText.quoted(r.options.channel.rawValue)), ("level", JSONText.quoted(r.catalog.level.rawValue)),
            ("feature_set", "\(r.featureSetID)"), ("as_of", JSONText.quoted(CivilDate.isoDate(unixSeconds: r.asOf))),
            ("items", "\(r.catalog.count)"), ("interactions", "\(r.interactions)"), ("people", "\(r.people)"),
            ("people_with_history", "\(r.peopleWithHistory)"), ("pairs", "\(r.pairs)"), ("buckets", "\(r.buckets)"),
            ("indicators", "\(r.table.totalCount)"), ("personalised_people", "\(c.personalised)"), ("backfilled_places", "\(c.backfilledPlaces)"),
            ("top_items", "[" + items.joined(separator: ",") + "]"),
            ("evaluation", r.evaluation.map(\.json) ?? "null"),
        ]) + "\n"
    }

    /// person_id,rank,item,department,score,backfill — one line per suggestion; row r is person `people.id(ofRow: r)`.
    public static func csv(_ r: RecommendResult, people: PersonRows) throws(OmnisegError) -> String {
        try people.check("the recommendations", covers: r.people)
        var out = "person_id,rank,item,department,score,backfill\n"
        for row in 0..<r.people {
            for (rank, s) in r.suggestions(row: row).enumerated() {
                out += "\(people.id(ofRow: row)),\(rank + 1),\(CSVField.escape(r.catalog.names[s.item])),\(CSVField.escape(r.catalog.department(of: s.item))),"
                    + "\(Format.fixed(Double(s.score), 4)),\(s.backfill ? 1 : 0)\n"
            }
        }
        return out
    }
}
