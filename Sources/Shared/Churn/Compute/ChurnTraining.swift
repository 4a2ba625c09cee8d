import Features
import Forest
import JobRuntime
import OmnisegCore

/// The state of a `churn-train` job: everything the slice tasks need to grow their trees (the
/// binned training rows and labels, the options) and what the merge needs to evaluate the forest
/// (the held-out rows). Made once, where the workspace is, by the workspace side of ``ChurnTrainJob``.
struct ChurnTrainState {
    var options: ForestOptions
    var labelling: ChurnLabelling
    var featureSetID: Int64
    var featureNames: [String]
    var bins: [FeatureBins]
    /// The shards' first rows: the task over the shard starting at `slices[i]` grows trees i, i + n, … (n = slices.count).
    var slices: [Int]
    var train: BinnedRows
    var trainLabels: [UInt8]
    var holdout: BinnedRows
    var holdoutLabels: [UInt8]
    /// The recency and logistic-regression baselines on the same split (measured where the workspace is).
    var baselines: ChurnBaselines?

    /// Trees grown by the task over the shard starting at `rowStart`.
    func trees(forShardAt rowStart: Int) throws(OmnisegError) -> StrideTo<Int> {
        guard let slice = slices.firstIndex(of: rowStart) else {
            throw OmnisegError(.badInput, "no forest slice for the shard starting at row \(rowStart)")
        }
        return Swift.stride(from: slice, to: options.trees, by: slices.count)
    }

    var encoded: [UInt8] {
        var w = WireWriter(capacity: 4096 + train.values.count + holdout.values.count + trainLabels.count + holdoutLabels.count)
        ChurnModel.encode(options, into: &w)
        labelling.encode(into: &w)
        w.i64(featureSetID)
        ChurnModel.encode(featureNames, bins, into: &w)
        w.count(slices.count)
        for s in slices { w.u64(UInt64(s)) }
        for (rows, labels) in [(train, trainLabels), (holdout, holdoutLabels)] {
            w.u64(UInt64(rows.rowCount))
            w.raw(Array(rows.values.prefix(rows.rowCount * rows.columnCount)))
            w.raw(labels)
        }
        w.optional(baselines) { $0.encode(into: &$1) }
        return w.bytes
    }

    init(options: ForestOptions, labelling: ChurnLabelling, featureSetID: Int64, featureNames: [String], bins: [FeatureBins], slices: [Int],
         train: BinnedRows, trainLabels: [UInt8], holdout: BinnedRows, holdoutLabels: [UInt8], baselines: ChurnBaselines? = nil) {
        self.options = options
        self.labelling = labelling
        self.featureSetID = featureSetID
        self.featureNames = featureNames
        self.bins = bins
        self.slices = slices
        self.train = train
        self.trainLabels = trainLabels
        self.holdout = holdout
        self.holdoutLabels = holdoutLabels
        self.baselines = baselines
    }

    init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "churn training state")
        options = try ChurnModel.decodeOptions(from: &r)
        labelling = try ChurnLabelling.decode(from: &r)
        featureSetID = try r.i64()
        (featureNames, bins) = try ChurnModel.decodeFeatures(from: &r)
        let d = featureNames.count
        slices = []
        for _ in 0..<(try r.count(limit: 1 << 24)) { slices.append(Int(try r.u64() & 0xFFFF_FFFF_FFFF)) }
        let binCounts = bins.map(\.binCount)
        func rows(_ r: inout WireReader) throws(OmnisegError) -> (BinnedRows, [UInt8]) {
            let n = Int(try r.u64() & 0xFFFF_FFFF_FFFF)
            // Checked before multiplying: n × d could overflow.
            guard n <= r.remaining / (d + 1) else { throw r.failure("\(n) rows of \(d) features do not fit in the \(r.remaining) bytes left") }
            let values = try r.bytes(n * d)
            let labels = try r.bytes(n)
            return (BinnedRows(rowCount: n, binCounts: binCounts, values: values), labels)
        }
        (train, trainLabels) = try rows(&r)
        (holdout, holdoutLabels) = try rows(&r)
        baselines = try r.optional { (r: inout WireReader) throws(OmnisegError) in try ChurnBaselines.decode(from: &r) }
        try r.expectEnd()
    }
}

/// Training a churn forest, in the steps the `churn-train` job distributes.
enum ChurnTraining {
    /// At most this many values per feature decide its bin edges.
    static let binSample = 200_000
    /// Permutation importance is measured on at most this many held-out people.
    static let permutationSample = 20_000


    /// Whether feature row `row` is held out for evaluation.
    static func isHeldOut(row: Int, fraction: Double, seed: UInt64) -> Bool {
        var rng = SplitMix64(seed: seed, stream: 0x686F_6C64, index: UInt64(row))
        return rng.unit() < fraction
    }

    /// Bin edges per feature from a sample of the labelled rows (every k-th, at most ``binSample``).
    static func bins(_ matrix: FeatureMatrix, rows: [Int], maximumBins: Int) -> [FeatureBins] {
        let step = max(1, (rows.count + binSample - 1) / binSample)
        let sampled = Swift.stride(from: 0, to: rows.count, by: step).map { rows[$0] }
        return (0..<matrix.columnCount).map { c in
            FeatureBins(sample: sampled.map { matrix.value(row: $0, column: c) }, maximumBins: maximumBins)
        }
    }

    /// Every row of `matrix`, binned.
    static func binAll(_ matrix: FeatureMatrix, bins: [FeatureBins]) -> BinnedRows {
        var all = BinnedRows(rowCount: matrix.rowCount, binCounts: bins.map(\.binCount))
        for shard in matrix.shards {
            all.fill(rows: shard.rowStart..<(shard.rowStart + shard.rowCount), bins: bins) { shard.column($0) }
        }
        return all
    }

    /// One slice task: grows its trees and sums their out-of-bag leaf values per training row.
    static func growSlice(_ state: ChurnTrainState, trees: StrideTo<Int>, cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        let grower = TreeGrower(rows: state.train, labels: state.trainLabels, options: state.options.tree)
        var w = WireWriter(capacity: 1 << 16)
        let indices = Array(trees)
        w.count(indices.count)
        guard !indices.isEmpty else { return w.bytes }
        var grown: [DecisionTree] = []
        for t in indices {
            try cancellation.check()
            let tree = grower.grow(weights: RandomForest.weights(tree: t, labels: state.trainLabels, options: state.options),
                                   seed: state.options.treeSeed(t))
            w.u32(UInt32(t))
            ChurnModel.encode(tree.tree, into: &w)
            for v in tree.importance { w.f64(v) }
            grown.append(tree.tree)
        }
        // Out-of-bag sums in tree order (the merge adds slices in slice order: the same sums whoever runs them).
        // Without a bootstrap no row is out of bag.
        let (sums, counts) = RandomForest.outOfBag(state.options.bootstrap ? grown : [], numbered: indices, rows: state.train, seed: state.options.seed)
        w.f32s(sums)
        for c in counts { w.u16(c) }
        return w.bytes
    }

    /// The merge: the forest in tree order, out-of-bag AUC, held-out evaluation and importances.
    static func assemble(_ state: ChurnTrainState, partials: [[UInt8]]) throws(OmnisegError) -> ChurnModel {
        let d = state.featureNames.count
        let n = state.train.rowCount
        var trees = [DecisionTree?](repeating: nil, count: state.options.trees)
        var impurity = [Double](repeating: 0, count: d)
        var oobSums = [Float](repeating: 0, count: n)
        var oobCounts = [Int](repeating: 0, count: n)
        for (slice, partial) in partials.enumerated() {
            var r = WireReader(partial, what: "forest slice \(slice)")
            let count = try r.count(limit: state.options.trees)
            guard count > 0 else { try r.expectEnd(); continue }
            for _ in 0..<count {
                let t = Int(try r.u32())
                guard t < trees.count, trees[t] == nil else { throw r.failure("tree \(t) is out of range or came twice") }
                trees[t] = try ChurnModel.decodeTree(from: &r, features: d)
                for f in 0..<d { impurity[f] += try r.f64() }
            }
            let sums = try r.f32s(n)
            guard sums.allSatisfy(\.isFinite) else { throw r.failure("an out-of-bag sum is not finite") }
            for i in 0..<n { oobSums[i] += sums[i] }
            for i in 0..<n { oobCounts[i] += Int(try r.u16()) }
            try r.expectEnd()
        }
        if let missing = trees.firstIndex(where: { $0 == nil }) { throw OmnisegError(.corrupt, "no slice grew tree \(missing)") }
        do {
            let forest = RandomForest(trees: trees.compactMap { $0 })
            let known = (0..<n).filter { oobCounts[$0] > 0 }
            let oobScores: [Float] = known.map { oobSums[$0] / Float(oobCounts[$0]) }
            let oob = ClassifierMetrics(scores: oobScores, labels: known.map { state.trainLabels[$0] })
            let compiled = CompiledForest(forest)
            let holdoutScores = compiled.predict(state.holdout)
            let holdout = state.holdout.rowCount > 0 ? ChurnEvaluation(scores: holdoutScores, labels: state.holdoutLabels) : .empty
            let total = impurity.reduce(0, +)
            return ChurnModel(featureNames: state.featureNames, bins: state.bins, forest: forest, options: state.options,
                              labelling: state.labelling, featureSetID: state.featureSetID, trainingRows: n,
                              trainingChurned: state.trainLabels.reduce(0) { $0 + Int($1) }, outOfBagAUC: oob.rocAUC, holdout: holdout,
                              impurityImportance: impurity.map { total > 0 ? $0 / total : 0 },
                              permutationImportance: permutationImportance(compiled, state: state), baselines: state.baselines)
        }
    }

    /// Held-out ROC AUC lost when each feature's bins are shuffled among (a sample of) the held-out people.
    static func permutationImportance(_ forest: CompiledForest, state: ChurnTrainState) -> [Double] {
        let m = min(state.holdout.rowCount, permutationSample)
        let labels = Array(state.holdoutLabels.prefix(m))
        guard m > 1, labels.contains(0), labels.contains(1) else { return [] }
        let sample = state.holdout.rows(Array(0..<m))
        let base = ClassifierMetrics(scores: forest.predict(sample), labels: labels).rocAUC
        return (0..<sample.columnCount).map { f in
            var shuffled = sample
            var rng = SplitMix64(seed: state.options.seed, stream: 0x7065_726D, index: UInt64(f))
            for i in Swift.stride(from: m - 1, to: 0, by: -1) {
                let j = rng.below(i + 1)
                let a = shuffled[i, f]
                shuffled[i, f] = shuffled[j, f]
                shuffled[j, f] = a
            }
            return base - ClassifierMetrics(scores: forest.predict(shuffled), labels: labels).rocAUC
        }
    }
}
