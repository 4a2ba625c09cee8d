import Features
import OmnisegCore

/// The obvious baselines of a churn model, measured on the same held-out people as the forest:
/// days since the last purchase alone (``recency``), and a logistic regression on the same features
/// fitted on the same training people (``logistic``).
public struct ChurnBaselines: Sendable, Equatable {
    /// The feature the recency baseline ranks by.
    public static let recencyFeature = "recency_days"
    /// At most this many training people fit the logistic regression (every k-th).
    public static let logisticSample = 200_000

    /// Held-out evaluation of ranking by recency (nil when the feature set has no recency feature).
    public var recency: ChurnEvaluation?
    /// The fitted logistic regression and its held-out evaluation.
    public var logistic: LogisticBaseline
    public var logisticHoldout: ChurnEvaluation

    public init(recency: ChurnEvaluation?, logistic: LogisticBaseline, logisticHoldout: ChurnEvaluation) {
        self.recency = recency
        self.logistic = logistic
        self.logisticHoldout = logisticHoldout
    }

    /// The baselines of `matrix`'s `trainRows` (labels `trainLabels`) scored on `holdoutRows` (labels `holdoutLabels`).
    public static func measure(_ matrix: FeatureMatrix, trainRows: [Int], trainLabels: [UInt8], holdoutRows: [Int], holdoutLabels: [UInt8]) -> ChurnBaselines {
        let step = max(1, (trainRows.count + logisticSample - 1) / logisticSample)
        let sample = Swift.stride(from: 0, to: trainRows.count, by: step).map { trainRows[$0] }
        let sampleLabels = Swift.stride(from: 0, to: trainRows.count, by: step).map { trainLabels[$0] }
        let d = matrix.columnCount
        let logistic = LogisticBaseline.fit(rows: sample.count, features: d, labels: sampleLabels) { matrix.value(row: sample[$0], column: $1) }
        return evaluate(logistic, matrix, columns: Array(0..<d), rows: holdoutRows, labels: holdoutLabels)
    }

    /// The baselines of a stored model on other labelled people: recency, and its logistic regression
    /// (as fitted in training) scored on `rows` of `matrix` (`columns`: the model's features in the
    /// matrix, in the model's order) against `labels`.
    public static func evaluate(_ logistic: LogisticBaseline, _ matrix: FeatureMatrix, columns: [Int], rows: [Int], labels: [UInt8]) -> ChurnBaselines {
        let scores = rows.map { row in Float(logistic.probability { matrix.value(row: row, column: columns[$0]) }) }
        let recency = matrix.column(named: recencyFeature).map { column in
            ChurnEvaluation(scores: rows.map { matrix.value(row: $0, column: column) }, labels: labels)
        }
        return ChurnBaselines(recency: rows.isEmpty ? nil : recency, logistic: logistic,
                              logisticHoldout: rows.isEmpty ? .empty : ChurnEvaluation(scores: scores, labels: labels))
    }

    func encode(into w: inout WireWriter) {
        w.optional(recency) { $0.encode(into: &$1) }
        logistic.encode(into: &w)
        logisticHoldout.encode(into: &w)
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> ChurnBaselines {
        ChurnBaselines(recency: try r.optional { (r: inout WireReader) throws(OmnisegError) in try ChurnEvaluation.decode(from: &r) },
                       logistic: try LogisticBaseline.decode(from: &r), logisticHoldout: try ChurnEvaluation.decode(from: &r))
    }
}
