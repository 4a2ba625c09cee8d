import Matching

/// How much a probabilistic resolve redoes.
public enum MatchScope: Sendable {
    /// Compare only new and changed records against the stored blocking index, with the stored model,
    /// when the index was built with the same largest block and review threshold; else as ``allPairs``.
    case incremental
    /// Compare every candidate pair again and score it with the stored model (fitting one when there is none).
    case allPairs
    /// Fit a new model (u, m and λ) and compare every candidate pair.
    case refit
}

/// How a probabilistic resolve ran.
public enum MatchRun: String, Sendable {
    /// A new model was fitted and every candidate pair compared.
    case fitted = "fitted a new model"
    /// Every candidate pair was compared and scored with the stored model.
    case storedModel = "stored model, every pair"
    /// Only new and changed records were compared, with the stored model.
    case incremental = "stored model, new and changed records"
}

/// What a resolve will do, with the model it will score with.
enum PlannedMatch {
    case fit
    case storedModel(MatchModel)
    case incremental(MatchModel)

    var kind: MatchRun {
        switch self {
        case .fit: .fitted
        case .storedModel: .storedModel
        case .incremental: .incremental
        }
    }
}
