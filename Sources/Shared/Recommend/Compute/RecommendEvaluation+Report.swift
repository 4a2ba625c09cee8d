import OmnisegCore

extension RecommendEvaluation {
    /// The best baseline of variant `v` by precision@k (``Method/popularity`` on a tie).
    public func bestBaseline(_ v: Variant) -> Method {
        precision(.ownHistory, v) > precision(.popularity, v) ? .ownHistory : .popularity
    }

    /// Our precision@k against the best baseline's, relative (0.05: 5 % higher); nil when the baseline's is 0.
    public func liftOverBestBaseline(_ v: Variant) -> Double? {
        let base = precision(bestBaseline(v), v)
        return base > 0 ? precision(.recommender, v) / base - 1 : nil
    }

    /// The table as text: every method per variant, then our precision against the best baseline.
    /// `asOf` (the feature set's as-of time) dates the window.
    public func text(asOf: Int64) -> String {
        let last = CivilDate.isoDate(unixSeconds: asOf + Int64(holdoutDays) * 86_400)
        var lines = ["time-split evaluation: target purchases in the \(holdoutDays) days after \(CivilDate.isoDate(unixSeconds: asOf)) "
                     + "(to \(last)), top \(k) suggestions",
                     "".rightPadded(32) + "people".leftPadded(8) + "precision@\(k)".leftPadded(14) + "recall@\(k)".leftPadded(11)
                     + "NDCG@\(k)".leftPadded(9) + "MAP@\(k)".leftPadded(8) + "coverage".leftPadded(10) + "top-1% share".leftPadded(14)
                     + "novelty (bits)".leftPadded(16)]
        for v in Variant.allCases {
            lines.append(v.label)
            for m in Method.allCases {
                var line = "  \(m.label)".rightPadded(32) + Format.count(people[v.rawValue]).leftPadded(8)
                line += Format.fixed(precision(m, v), 4).leftPadded(14) + Format.fixed(recall(m, v), 4).leftPadded(11)
                line += Format.fixed(ndcg(m, v), 4).leftPadded(9) + Format.fixed(meanAveragePrecision(m, v), 4).leftPadded(8)
                if v == .all {
                    line += Self.percent(coverage(m)).leftPadded(10) + Self.percent(topShare(m)).leftPadded(14) + Format.fixed(novelty(m), 2).leftPadded(16)
                }
                lines.append(line)
            }
        }
        let verdicts = Variant.allCases.map { v -> String in
            let best = bestBaseline(v)
            let lift = liftOverBestBaseline(v).map { ($0 >= 0 ? "+" : "−") + Self.percent(abs($0)) } ?? "n/a"
            return "\(v.label) \(lift) (\(best.label) \(Format.fixed(precision(best, v), 4)))"
        }
        lines.append("omniseg's precision@\(k) against the best baseline: " + verdicts.joined(separator: "; "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The evaluation as a JSON object: per method, per variant, every metric; coverage and top-1 % share per method.
    public var json: String {
        let methods = Method.allCases.map { m -> (String, String) in
            var pairs: [(String, String)] = Variant.allCases.map { v in
                (v.key, JSONText.object(Metric.allCases.map { ($0.key, JSONText.number(mean($0, m, v))) }))
            }
            pairs += [("coverage", JSONText.number(coverage(m))), ("top_1pct_share", JSONText.number(topShare(m))),
                      ("novelty_bits", JSONText.number(novelty(m)))]
            return (m.key, JSONText.object(pairs))
        }
        let lifts = Variant.allCases.map { v in
            (v.key, JSONText.object([("baseline", JSONText.quoted(bestBaseline(v).key)),
                                     ("precision_lift", liftOverBestBaseline(v).map(JSONText.number) ?? "null")]))
        }
        return JSONText.object([
            ("holdout_days", "\(holdoutDays)"), ("k", "\(k)"), ("items", "\(items)"),
            ("people", JSONText.object(Variant.allCases.map { ($0.key, "\(people[$0.rawValue])") })),
            ("methods", JSONText.object(methods)), ("against_best_baseline", JSONText.object(lifts)),
        ])
    }

    private static func percent(_ share: Double) -> String { Format.fixed(100 * share, 1) + "%" }
}
