import Features
import Forest
import JobRuntime
import OmnisegCore
import Synchronization

/// Parameters the churn kinds share: how labels are made.
enum ChurnParameters {
    /// `channel=any|store|web|app|online` (or a comma list): where a purchase must be to count.
    static func channels(_ parameters: JobParameters) throws(OmnisegError) -> [Channel]? {
        guard let text = parameters["channel"] else { return nil }
        var channels: Set<Channel> = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch part {
            case "any", "all": return []
            case "online": channels.formUnion([.web, .app])
            default:
                guard let channel = Channel(parsing: part) else {
                    throw OmnisegError(.badInput, "job parameter 'channel' takes any, online, store, web or app (got '\(part)')")
                }
                channels.insert(channel)
            }
        }
        return channels.sorted { $0.rawValue < $1.rawValue }
    }

    static func labelSet(_ parameters: JobParameters) throws(OmnisegError) -> Int64 {
        Int64(try parameters.integer("labels", default: 0, in: 0...Int(Int32.max)))
    }

    static func horizon(_ parameters: JobParameters, default days: Int) throws(OmnisegError) -> Int {
        try parameters.integer("horizon_days", default: days, in: 1...3650)
    }
}

// MARK: - churn-train

/// The `churn-train` job: a random forest of churn risk, grown in slices on the workers.
///
/// Where the workspace is, the first state is prepared: labels (no purchase in `horizon_days`
/// after the feature set's as-of time, optionally in one `channel`, or an imported label set
/// `labels=ID`), bin edges per feature from a sample, every labelled person binned to bytes, and a
/// seeded `holdout` share set aside. Iteration 0 runs one task per shard; the task over shard i of n
/// grows trees i, i + n, … (each tree's bootstrap and feature draws come from the job seed and its
/// index, so the forest is the same whatever the worker count) and their out-of-bag sums. The merge
/// assembles the forest, its out-of-bag AUC, the held-out evaluation and the importances; the model
/// is stored in the workspace's `churn_model` table.
public struct ChurnTrainJob: JobKind {
    public static let name = "churn-train"
    public static let parameterNames: Set<String> = ["horizon_days", "channel", "labels", "trees", "depth", "min_leaf", "features_per_split",
                                                     "class_weight", "bootstrap", "holdout", "seed", "bins"]

    public let options: ForestOptions
    public let horizonDays: Int
    public let channels: [Channel]
    public let labelSetID: Int64
    public let holdout: Double
    public let maximumBins: Int

    public init(columnNames: [String], parameters: JobParameters) throws(OmnisegError) {
        try parameters.expectOnly(Self.parameterNames, kind: Self.name)
        var options = ForestOptions()
        options.trees = try parameters.integer("trees", default: 100, in: 1...10_000)
        options.tree.maximumDepth = try parameters.integer("depth", default: 12, in: 1...40)
        options.tree.minimumLeafWeight = try parameters.double("min_leaf", default: 1, in: 0...1e9)
        if parameters["features_per_split"] != nil {
            options.tree.featuresPerSplit = try parameters.integer("features_per_split", default: 1, in: 1...max(1, columnNames.count > 0 ? columnNames.count : 65_536))
        }
        switch parameters["class_weight"] {
        case nil, "none": options.positiveWeight = 1
        case "balanced": options.positiveWeight = nil
        default: options.positiveWeight = try parameters.double("class_weight", default: 1, in: 0.001...1000)
        }
        options.bootstrap = try parameters.integer("bootstrap", default: 1, in: 0...1) == 1
        options.seed = UInt64(try parameters.integer("seed", default: 42, in: 0...Int.max))
        self.options = options
        horizonDays = try ChurnParameters.horizon(parameters, default: 90)
        channels = try ChurnParameters.channels(parameters) ?? []
        labelSetID = try ChurnParameters.labelSet(parameters)
        holdout = try parameters.double("holdout", default: 0.2, in: 0...0.9)
        maximumBins = try parameters.integer("bins", default: 256, in: 2...256)
    }

    public var initialState: [UInt8] { [] }

    /// The first state from the labels of `matrix`'s people (made where the workspace is): the
    /// labelled people binned, split into training and held-out rows.
    public func firstState(matrix: FeatureMatrix, labels: ChurnLabels, labelling: ChurnLabelling) throws(OmnisegError) -> [UInt8] {
        let labelled = labels.eligible.indices.filter { labels.eligible[$0] }
        let churned = labelled.reduce(0) { $0 + Int(labels.labels[$1]) }
        guard churned > 0, churned < labelled.count else {
            throw OmnisegError(.precondition, "the labels have \(churned) churned of \(labelled.count) labelled people; training needs both classes "
                               + "(\(labelling.description))")
        }
        let bins = ChurnTraining.bins(matrix, rows: labelled, maximumBins: maximumBins)
        let all = ChurnTraining.binAll(matrix, bins: bins)
        var trainRows: [Int] = [], holdoutRows: [Int] = []
        for row in labelled {
            if ChurnTraining.isHeldOut(row: row, fraction: holdout, seed: options.seed) { holdoutRows.append(row) } else { trainRows.append(row) }
        }
        return ChurnTrainState(options: options, labelling: labelling, featureSetID: matrix.setID, featureNames: matrix.names, bins: bins,
                               slices: matrix.shards.map(\.rowStart), train: all.rows(trainRows), trainLabels: trainRows.map { labels.labels[$0] },
                               holdout: all.rows(holdoutRows), holdoutLabels: holdoutRows.map { labels.labels[$0] }).encoded
    }


    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        let decoded = try ChurnTrainState(decoding: state)
        return try ChurnTraining.growSlice(decoded, trees: try decoded.trees(forShardAt: shard.rowStart), cancellation: cancellation)
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        .finish(result: try ChurnTraining.assemble(try ChurnTrainState(decoding: state), partials: partials).encoded)
    }

    /// Trees: each task grows an equal share of them.
    public func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress {
        JobProgress(done: options.trees * tasksDone / max(1, tasksTotal), total: options.trees, unit: "trees")
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let model = try ChurnModel(decoding: result)
        return json ? ChurnReport.json(model) : ChurnReport.text(model)
    }
}

// MARK: - Scoring (churn-score, churn-evaluate)

/// What scoring tasks need: the model, where each of its features is in the feature set, and for
/// evaluation the label of every row (255: not labelled).
package struct ChurnScoringState {
    var modelID: Int64
    var tiers: RiskTiers
    var columns: [Int]
    var labelling: ChurnLabelling
    var labels: [UInt8]
    var model: ChurnModel

    package var encoded: [UInt8] {
        var w = WireWriter()
        w.i64(modelID)
        tiers.encode(into: &w)
        w.count(columns.count)
        for c in columns { w.u32(UInt32(c)) }
        labelling.encode(into: &w)
        w.blob(labels)
        w.blob(model.encoded)
        return w.bytes
    }

    package init(modelID: Int64, tiers: RiskTiers, columns: [Int], labelling: ChurnLabelling, labels: [UInt8], model: ChurnModel) {
        self.modelID = modelID
        self.tiers = tiers
        self.columns = columns
        self.labelling = labelling
        self.labels = labels
        self.model = model
    }

    init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "churn scoring state")
        modelID = try r.i64()
        tiers = try RiskTiers.decode(from: &r)
        columns = []
        for _ in 0..<(try r.count(limit: 1 << 16)) { columns.append(Int(try r.u32())) }
        labelling = try ChurnLabelling.decode(from: &r)
        labels = try r.blob(limit: Int(UInt32.max))
        model = try ChurnModel(decoding: try r.blob(limit: Int(UInt32.max)))
        try r.expectEnd()
    }
}


/// Scores shards with a model: bins the shard's rows with the model's edges, then the batch
/// traversal kernel. The decoded model and compiled forest are kept for the next task of the same state.
enum ChurnShardScorer {
    private static let cache = Mutex<(key: UInt64, state: ChurnScoringState, forest: CompiledForest)?>(nil)

    static func prepared(_ state: [UInt8]) throws(OmnisegError) -> (ChurnScoringState, CompiledForest) {
        let key = state.withUnsafeBytes { Checksum64.of($0) }
        if let hit = cache.withLock({ $0 }), hit.key == key { return (hit.state, hit.forest) }
        let decoded = try ChurnScoringState(decoding: state)
        let forest = CompiledForest(decoded.model.forest)
        cache.withLock { $0 = (key, decoded, forest) }
        return (decoded, forest)
    }

    static func score(_ shard: FeatureShard, state: [UInt8]) throws(OmnisegError) -> [Float] {
        let (decoded, forest) = try prepared(state)
        guard let last = decoded.columns.max(), last < shard.columnCount else {
            throw OmnisegError(.badInput, "shard has \(shard.columnCount) columns; the model reads column \(decoded.columns.max() ?? 0)")
        }
        let rows = BinnedRows(rowCount: shard.rowCount, bins: decoded.model.bins) { shard.column(decoded.columns[$0]) }
        return forest.predict(rows)
    }

    static func partial(_ shard: FeatureShard, iteration: Int, state: [UInt8]) throws(OmnisegError) -> [UInt8] {
        let scores = try score(shard, state: state)
        var w = WireWriter(capacity: 8 + 4 * scores.count)
        w.u32(UInt32(iteration))
        w.count(scores.count)
        w.f32s(scores)
        return w.bytes
    }

    /// The partials' scores in row order.
    static func concatenate(_ partials: [[UInt8]], iteration: Int) throws(OmnisegError) -> [Float] {
        var all: [Float] = []
        for (shard, partial) in partials.enumerated() {
            var r = WireReader(partial, what: "churn scores of shard \(shard)")
            guard try r.u32() == UInt32(iteration) else { throw r.failure("it is for another iteration") }
            all += try r.f32s(try r.count(limit: 1 << 24))
            try r.expectEnd()
        }
        return all
    }
}

/// The `churn-score` job: every person's churn probability under a stored model (`model=ID`, default
/// the newest) and risk tier (`tiers=0.3,0.6`), written to the workspace's `churn_score` table.
public struct ChurnScoreJob: JobKind {
    public static let name = "churn-score"
    public static let parameterNames: Set<String> = ["model", "tiers"]

    public let modelID: Int64?
    public let tiers: RiskTiers

    public init(parameters: JobParameters) throws(OmnisegError) {
        try parameters.expectOnly(Self.parameterNames, kind: Self.name)
        modelID = parameters["model"] == nil ? nil : Int64(try parameters.integer("model", default: 1, in: 1...Int(Int32.max)))
        tiers = try parameters["tiers"].map { text throws(OmnisegError) in try RiskTiers(parsing: text) } ?? .standard
    }

    public var initialState: [UInt8] { [] }


    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        try ChurnShardScorer.partial(shard, iteration: iteration, state: state)
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        let (decoded, _) = try ChurnShardScorer.prepared(state)
        let scores = ChurnScores(modelID: decoded.modelID, tiers: decoded.tiers, probabilities: try ChurnShardScorer.concatenate(partials, iteration: iteration))
        return .finish(result: scores.encoded)
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let scores = try ChurnScores(decoding: result)
        return json ? scores.json : scores.table
    }

    public func csv(result: [UInt8]) throws(OmnisegError) -> String { try ChurnScores(decoding: result).csv }

}

/// What a `churn-evaluate` job measured.
public struct ChurnEvaluationResult: Sendable, Equatable {
    public var modelID: Int64
    public var labelling: ChurnLabelling
    public var evaluation: ChurnEvaluation

    public var encoded: [UInt8] {
        var w = WireWriter()
        w.i64(modelID)
        labelling.encode(into: &w)
        evaluation.encode(into: &w)
        return w.bytes
    }

    public init(modelID: Int64, labelling: ChurnLabelling, evaluation: ChurnEvaluation) {
        self.modelID = modelID
        self.labelling = labelling
        self.evaluation = evaluation
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "churn evaluation")
        modelID = try r.i64()
        labelling = try ChurnLabelling.decode(from: &r)
        evaluation = try ChurnEvaluation.decode(from: &r)
        try r.expectEnd()
    }
}

/// The `churn-evaluate` job: a stored model's ROC AUC, PR AUC, top-decile lift and capture and
/// calibration on labelled people of a feature set (labels as for training: `horizon_days` and
/// `channel`, defaulting to the model's, or `labels=ID`), usually a later cut-off than training's.
public struct ChurnEvaluateJob: JobKind {
    public static let name = "churn-evaluate"
    public static let parameterNames: Set<String> = ["model", "horizon_days", "channel", "labels"]

    public let modelID: Int64?
    /// nil: the model's.
    public let horizonDays: Int?
    /// nil: the model's.
    public let channels: [Channel]?
    public let labelSetID: Int64

    public init(parameters: JobParameters) throws(OmnisegError) {
        try parameters.expectOnly(Self.parameterNames, kind: Self.name)
        modelID = parameters["model"] == nil ? nil : Int64(try parameters.integer("model", default: 1, in: 1...Int(Int32.max)))
        horizonDays = parameters["horizon_days"] == nil ? nil : try ChurnParameters.horizon(parameters, default: 90)
        channels = try ChurnParameters.channels(parameters)
        labelSetID = try ChurnParameters.labelSet(parameters)
    }

    public var initialState: [UInt8] { [] }


    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        try ChurnShardScorer.partial(shard, iteration: iteration, state: state)
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        let (decoded, _) = try ChurnShardScorer.prepared(state)
        let scores = try ChurnShardScorer.concatenate(partials, iteration: iteration)
        guard scores.count == decoded.labels.count else {
            throw OmnisegError(.corrupt, "scored \(scores.count) rows against \(decoded.labels.count) labels")
        }
        let labelled = decoded.labels.indices.filter { decoded.labels[$0] != 255 }
        let evaluation = ChurnEvaluation(scores: labelled.map { scores[$0] }, labels: labelled.map { decoded.labels[$0] })
        return .finish(result: ChurnEvaluationResult(modelID: decoded.modelID, labelling: decoded.labelling,
                                                     evaluation: evaluation).encoded)
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let r = try ChurnEvaluationResult(decoding: result)
        if json {
            return JSONText.object([("model_id", "\(r.modelID)"), ("labels", JSONText.quoted(r.labelling.description)),
                                    ("evaluation", r.evaluation.json)]) + "\n"
        }
        return (["churn model \(r.modelID) evaluated; labels: \(r.labelling.description)"] + r.evaluation.lines()).joined(separator: "\n") + "\n"
    }
}
