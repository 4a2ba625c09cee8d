import OmnisegCore

/// A trained churn model, for people: how it was trained, how good it is, what drives it.
public enum ChurnReport {
    public static func text(_ model: ChurnModel) -> String {
        let o = model.options
        let tried = o.tree.featuresPerSplit.map(String.init) ?? "√d = \(o.tree.tried(of: model.featureNames.count))"
        let weight = o.positiveWeight.map { $0 == 1 ? "none" : Format.fixed($0, 3) } ?? "balanced"
        var lines = [
            "churn model: \(o.trees) trees, depth ≤ \(o.tree.maximumDepth), \(tried) features per split, min leaf weight "
                + "\(Format.fixed(o.tree.minimumLeafWeight, 1)), class weight \(weight), seed \(o.seed)",
            "labels: \(model.labelling.description); feature set \(model.featureSetID)",
            "trained on \(Format.count(model.trainingRows)) people, \(Format.count(model.trainingChurned)) churned "
                + "(\(Format.fixed(100 * Double(model.trainingChurned) / Double(max(1, model.trainingRows)), 1))%); "
                + "out-of-bag ROC AUC \(Format.fixed(model.outOfBagAUC, 4))",
            "held-out people:",
        ]
        lines += model.holdout.lines()
        lines += baselineLines(model)
        lines.append("feature importance            impurity   permutation (held-out AUC drop)")
        for f in importanceOrder(model) {
            let permutation = f < model.permutationImportance.count ? Format.fixed(model.permutationImportance[f], 4) : "–"
            lines.append("  " + model.featureNames[f].rightPadded(26) + Format.fixed(model.impurityImportance[f], 4).leftPadded(10)
                         + permutation.leftPadded(14))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ model: ChurnModel) -> String {
        let o = model.options
        return JSONText.object([
            ("trees", "\(o.trees)"), ("max_depth", "\(o.tree.maximumDepth)"),
            ("features_per_split", "\(o.tree.tried(of: model.featureNames.count))"),
            ("min_leaf_weight", JSONText.number(o.tree.minimumLeafWeight)),
            ("class_weight", o.positiveWeight.map { JSONText.number($0) } ?? JSONText.quoted("balanced")),
            ("seed", "\(o.seed)"), ("feature_set", "\(model.featureSetID)"),
            ("labels", JSONText.quoted(model.labelling.description)),
            ("training_people", "\(model.trainingRows)"), ("training_churned", "\(model.trainingChurned)"),
            ("oob_roc_auc", JSONText.number(model.outOfBagAUC)), ("holdout", model.holdout.json),
            ("baselines", model.baselines.map(baselinesJSON) ?? "null"),
            ("importance", "[" + importanceOrder(model).map { f in
                JSONText.object([("feature", JSONText.quoted(model.featureNames[f])), ("impurity", JSONText.number(model.impurityImportance[f])),
                                 ("permutation", f < model.permutationImportance.count ? JSONText.number(model.permutationImportance[f]) : "null")])
            }.joined(separator: ",") + "]"),
        ]) + "\n"
    }

    /// The forest beside its baselines on the same held-out people.
    static func baselineLines(_ model: ChurnModel) -> [String] {
        guard let b = model.baselines, model.holdout.people > 0 else { return [] }
        return comparisonLines(model.holdout, b, title: "beside the baselines (same held-out people; logistic regression fitted on "
                               + "\(Format.count(b.logistic.rows)) training people):")
    }

    /// `forest` beside `baselines` on the same people: one row each, and how the forest's ROC AUC
    /// compares with the better baseline's.
    public static func comparisonLines(_ forest: ChurnEvaluation, _ baselines: ChurnBaselines, title: String) -> [String] {
        var rows: [(String, ChurnEvaluation, Bool)] = [("omniseg (random forest)", forest, true), ("logistic regression", baselines.logisticHoldout, true)]
        if let recency = baselines.recency { rows.append(("recency only", recency, false)) }
        var lines = [title, "  " + "".rightPadded(26) + "ROC AUC".leftPadded(9) + "PR AUC".leftPadded(9) + "top-decile lift".leftPadded(17)
                        + "calibration error".leftPadded(19)]
        for (name, e, probabilities) in rows {
            lines.append("  " + name.rightPadded(26) + Format.fixed(e.metrics.rocAUC, 4).leftPadded(9) + Format.fixed(e.metrics.prAUC, 4).leftPadded(9)
                         + Format.fixed(e.metrics.topDecileLift, 2).leftPadded(17) + (probabilities ? Format.fixed(e.calibrationError, 4) : "–").leftPadded(19))
        }
        if let best = rows.dropFirst().max(by: { $0.1.metrics.rocAUC < $1.1.metrics.rocAUC }), best.1.people > 0 {
            let lift = forest.metrics.rocAUC - best.1.metrics.rocAUC
            lines.append("  the forest's ROC AUC against the better baseline (\(best.0)): \(lift >= 0 ? "+" : "−")\(Format.fixed(abs(lift), 4))")
        }
        return lines
    }

    /// The baselines as a JSON object.
    public static func baselinesJSON(_ b: ChurnBaselines) -> String {
        JSONText.object([("recency_only", b.recency?.json ?? "null"), ("logistic_regression", b.logisticHoldout.json),
                         ("logistic_rows", "\(b.logistic.rows)"), ("logistic_iterations", "\(b.logistic.iterations)")])
    }

    /// Features by impurity importance, largest first.
    static func importanceOrder(_ model: ChurnModel) -> [Int] {
        model.featureNames.indices.sorted { model.impurityImportance[$0] > model.impurityImportance[$1] || (model.impurityImportance[$0] == model.impurityImportance[$1] && $0 < $1) }
    }
}
