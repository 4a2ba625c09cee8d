import OmnisegCore

/// Renders a ``SegmentResult``: segment sizes, and the table of combinations (who is in exactly which
/// segments) with revenue and mean churn risk; as text or JSON.
public enum SegmentReport {
    public static func text(_ r: SegmentResult) -> String {
        var lines = ["segments of feature set \(r.featureSetID) as of \(CivilDate.isoDate(unixSeconds: r.asOf)), \(Format.count(r.people)) people"]
        let width = max(8, r.names.map(\.count).max() ?? 0)
        lines.append("  " + "segment".rightPadded(width) + "      people   share  rule")
        for (i, name) in r.names.enumerated() {
            lines.append("  " + name.rightPadded(width) + Format.count(r.counts[i]).leftPadded(12) + Format.share(r.counts[i], of: r.people).leftPadded(8) + "  " + r.rules[i])
        }
        guard r.names.count > 1 else { return lines.joined(separator: "\n") + "\n" }
        lines.append("")
        lines.append("combinations: the people in exactly these segments and in no other, largest first")
        let letters = r.names.indices.map { Self.label($0) }
        lines.append("  " + letters.joined(separator: " ") + "        people   share       revenue  mean churn risk")
        for c in ordered(r) {
            let marks = r.names.indices.map { c.mask & (1 << UInt32($0)) != 0 ? "●" : "·" }.joined(separator: " ")
            let risk = c.meanChurnRisk.map { Format.fixed($0, 3) } ?? "–"
            lines.append("  " + marks + Format.count(c.people).leftPadded(14) + Format.share(c.people, of: r.people).leftPadded(8)
                         + Format.fixed(c.revenue, 0).leftPadded(14) + risk.leftPadded(17))
        }
        lines.append("")
        lines.append("  " + r.names.indices.map { "\(letters[$0]) = \(r.names[$0])" }.joined(separator: ", "))
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ r: SegmentResult) -> String {
        let segments = r.names.indices.map {
            JSONText.object([("name", JSONText.quoted(r.names[$0])), ("rule", JSONText.quoted(r.rules[$0])), ("people", "\(r.counts[$0])")])
        }
        let combinations = ordered(r).map { c in
            JSONText.object([("segments", "[" + r.names.indices.filter { c.mask & (1 << UInt32($0)) != 0 }.map { JSONText.quoted(r.names[$0]) }.joined(separator: ",") + "]"),
                             ("people", "\(c.people)"), ("revenue", JSONText.number(c.revenue)),
                             ("mean_churn_risk", c.meanChurnRisk.map(JSONText.number) ?? "null")])
        }
        return JSONText.object([("feature_set", "\(r.featureSetID)"), ("as_of", JSONText.quoted(CivilDate.isoDate(unixSeconds: r.asOf))),
                                ("people", "\(r.people)"), ("segments", "[" + segments.joined(separator: ",") + "]"),
                                ("combinations", "[" + combinations.joined(separator: ",") + "]")]) + "\n"
    }

    /// Combinations with at least one segment, largest first (ties by mask), then the people in none.
    package static func ordered(_ r: SegmentResult) -> [SegmentResult.Combination] {
        let some = r.combinations.filter { $0.mask != 0 }.sorted { $0.people > $1.people || ($0.people == $1.people && $0.mask < $1.mask) }
        return some + r.combinations.filter { $0.mask == 0 }
    }

    /// The letter of segment i in the combinations table (A, B, …).
    public static func label(_ i: Int) -> String { String(UnicodeScalar(UInt8(65 + i))) }
}

