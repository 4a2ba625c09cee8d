import OmnisegCore

extension ClusterEvaluation {
    /// The evaluation as text: one line per seed, then the stability across seeds and over time.
    /// `dates` name the split and the later date.
    public func text(dates: (train: String, test: String)) -> String {
        var lines = ["  " + "seed".rightPadded(8) + "k".leftPadded(4) + "inertia".leftPadded(14) + "variance explained".leftPadded(20)
                     + "silhouette".leftPadded(12) + "smallest cluster".leftPadded(18)]
        for r in runs {
            lines.append("  " + "\(r.seed)".rightPadded(8) + "\(r.k)".leftPadded(4) + Format.fixed(r.inertia, 1).leftPadded(14)
                         + (r.varianceExplained.map { Format.fixed(100 * $0, 1) + "%" } ?? "– (PCA)").leftPadded(20)
                         + Format.fixed(r.silhouette, 4).leftPadded(12) + (Format.fixed(100 * r.smallestShare, 1) + "%").leftPadded(18))
        }
        lines.append("variance explained is against one cluster (0%); silhouette on \(Format.count(sample)) people sampled by the seed")
        lines.append("stability across the \(runs.count) seeds (mean adjusted Rand index of their clusters): \(Format.fixed(stability, 4))")
        if let overTime {
            lines.append("over time: the \(Format.count(peopleOverTime)) people in both sets, clustered as of \(dates.test) against as of "
                         + "\(dates.train) (first seed): adjusted Rand index \(Format.fixed(overTime, 4))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String {
        JSONText.object([
            ("runs", "[" + runs.map { r in
                JSONText.object([("seed", "\(r.seed)"), ("k", "\(r.k)"), ("inertia", JSONText.number(r.inertia)),
                                 ("variance_explained", r.varianceExplained.map(JSONText.number) ?? "null"),
                                 ("silhouette", JSONText.number(r.silhouette)), ("smallest_share", JSONText.number(r.smallestShare))])
            }.joined(separator: ",") + "]"),
            ("stability_ari", JSONText.number(stability)), ("over_time_ari", overTime.map(JSONText.number) ?? "null"),
            ("people_over_time", "\(peopleOverTime)"), ("silhouette_sample", "\(sample)"),
        ])
    }
}
