import Features
import Forest
import JobRuntime
import OmnisegCore
import Synchronization

/// The `churn-train` job: a random forest of churn risk, grown in slices on the workers.
///
/// Where the workspace is, the first state is prepared: labels (no purchase in `horizon_days`
/// after the feature set's as-of time, optionally in one `channel`, or an imported label set
/// `labels=ID`), bin edges per feature from a sample, every labelled person binned to bytes, and a
/// seeded `holdout` share set aside. Iteration 0 runs one task per shard; the task over shard i of n
/// grows trees i, i + n, … (each tree's bootstrap and feature draws come from the job seed and its
/// index, so the forest is the same whatever the worker count) and their out-of-bag sums. The merge
/// assembles the forest, its out-of-bag AUC, the held-out evaluation and the importances; the model
/// is stored in the workspace's `churn_model` table. The first state also carries the baselines
/// (recency alone, and a logistic regression fitted on the training people) measured on the same
/// held-out people, kept with the model.
public struct ChurnTrainJob: JobKind {
    public static let name = "churn-train"
    public static let codecs = JobCodecs(name, state: 2)
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Train a random forest of churn risk on a past cut-off and store it (churn_model).",
        parameters: ChurnParameters.trainSchema) { columns, parameters throws(OmnisegError) in
        try ChurnTrainJob(columnNames: columns, parameters: parameters)
    }

    public let options: ForestOptions
    public let horizonDays: Int
    public let channels: [Channel]
    public let labelSetID: Int64
    public let holdout: Double
    public let maximumBins: Int

    public init(columnNames: [String], parameters: JobParameters) throws(OmnisegError) {
        typealias P = ChurnParameters
        var options = ForestOptions()
        options.trees = try parameters.value(P.trees)
        options.tree.maximumDepth = try parameters.value(P.depth)
        options.tree.minimumLeafWeight = try parameters.value(P.minimumLeaf)
        if let perSplit = try parameters.value(P.featuresPerSplit) {
            guard columnNames.isEmpty || perSplit <= columnNames.count else {
                throw ParameterSpec.invalid(P.featuresPerSplit.name, "\(perSplit)", "at most the \(columnNames.count) features of the set")
            }
            options.tree.featuresPerSplit = perSplit
        }
        options.positiveWeight = try P.classWeight(parameters)
        options.bootstrap = try parameters.value(P.bootstrap) == 1
        options.seed = UInt64(try parameters.value(P.seed))
        self.options = options
        horizonDays = try parameters.value(P.horizon) ?? P.defaultHorizonDays
        channels = try P.channels(parameters) ?? []
        labelSetID = try parameters.value(P.labels) ?? 0
        holdout = try parameters.value(P.holdout)
        maximumBins = try parameters.value(P.bins)
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
                               holdout: all.rows(holdoutRows), holdoutLabels: holdoutRows.map { labels.labels[$0] },
                               baselines: ChurnBaselines.measure(matrix, trainRows: trainRows, trainLabels: trainRows.map { labels.labels[$0] },
                                                                 holdoutRows: holdoutRows, holdoutLabels: holdoutRows.map { labels.labels[$0] })).encoded
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
