import Forest
import OmnisegCore

/// How a churn model's labels were made: a holdout window after the feature set's cut-off, or a
/// label set imported from CSV.
public struct ChurnLabelling: Sendable, Equatable {
    /// The feature set's as-of time (Unix seconds): the calibration/holdout cut-off.
    public var cutoff: Int64
    /// Days after the cut-off in which a purchase means "stayed" (0 with a label set).
    public var horizonDays: Int
    /// The channels a purchase must be in to count (empty: any).
    public var channels: [Channel]
    /// The imported label set (0: labels from the holdout window).
    public var labelSetID: Int64

    public init(cutoff: Int64, horizonDays: Int, channels: [Channel], labelSetID: Int64) {
        self.cutoff = cutoff
        self.horizonDays = horizonDays
        self.channels = channels
        self.labelSetID = labelSetID
    }

    public var description: String {
        if labelSetID > 0 { return "label set \(labelSetID)" }
        let channel = channels.isEmpty ? "any channel" : channels.map(\.description).joined(separator: "/")
        return "no purchase (\(channel)) in the \(horizonDays) days after \(CivilDate.isoDate(unixSeconds: cutoff))"
    }

    func encode(into w: inout WireWriter) {
        w.i64(cutoff)
        w.u32(UInt32(horizonDays))
        w.count(channels.count)
        for c in channels { w.u8(UInt8(c.rawValue)) }
        w.i64(labelSetID)
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> ChurnLabelling {
        let cutoff = try r.i64()
        let horizon = Int(try r.u32())
        var channels: [Channel] = []
        for _ in 0..<(try r.count(limit: 16)) {
            guard let c = Channel(rawValue: Int(try r.u8())) else { throw r.failure("unknown channel") }
            channels.append(c)
        }
        return ChurnLabelling(cutoff: cutoff, horizonDays: horizon, channels: channels, labelSetID: try r.i64())
    }
}

/// One bucket of a calibration table: people whose score fell in `lower...upper`, their mean
/// predicted probability and the share of them that churned.
public struct CalibrationBucket: Sendable, Equatable {
    public var lower: Float
    public var upper: Float
    public var people: Int
    public var meanPredicted: Double
    public var observedRate: Double
}

/// How well churn scores rank and match labelled people.
public struct ChurnEvaluation: Sendable, Equatable {
    public var people: Int
    public var churned: Int
    public var metrics: ClassifierMetrics
    /// Ten buckets of equal size by score, lowest first.
    public var calibration: [CalibrationBucket]

    public static let empty = ChurnEvaluation(people: 0, churned: 0, metrics: ClassifierMetrics(scores: [], labels: []), calibration: [])

    public init(people: Int, churned: Int, metrics: ClassifierMetrics, calibration: [CalibrationBucket]) {
        self.people = people
        self.churned = churned
        self.metrics = metrics
        self.calibration = calibration
    }

    /// The evaluation of `scores` against `labels` (0/1).
    public init(scores: [Float], labels: [UInt8]) {
        people = scores.count
        churned = labels.reduce(0) { $0 + Int($1) }
        metrics = ClassifierMetrics(scores: scores, labels: labels)
        let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var buckets: [CalibrationBucket] = []
        let n = order.count
        for b in 0..<(n >= 10 ? 10 : min(n, 1)) {
            let slice = order[(b * n / 10)..<((b + 1) * n / 10)]
            let sum = slice.reduce(0.0) { $0 + Double(scores[$1]) }
            let positives = slice.reduce(0) { $0 + Int(labels[$1]) }
            buckets.append(CalibrationBucket(lower: scores[slice.first ?? 0], upper: scores[slice.last ?? 0], people: slice.count,
                                             meanPredicted: sum / Double(max(1, slice.count)),
                                             observedRate: Double(positives) / Double(max(1, slice.count))))
        }
        calibration = buckets
    }

    func encode(into w: inout WireWriter) {
        w.u64(UInt64(people))
        w.u64(UInt64(churned))
        for v in [metrics.rocAUC, metrics.prAUC, metrics.topDecileLift, metrics.topDecileCapture] { w.f64(v) }
        w.count(calibration.count)
        for b in calibration {
            w.f32(b.lower); w.f32(b.upper); w.u64(UInt64(b.people)); w.f64(b.meanPredicted); w.f64(b.observedRate)
        }
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> ChurnEvaluation {
        let people = Int(try r.tally()), churned = Int(try r.tally())
        let metrics = ClassifierMetrics(rocAUC: try r.f64(), prAUC: try r.f64(), topDecileLift: try r.f64(), topDecileCapture: try r.f64())
        var calibration: [CalibrationBucket] = []
        for _ in 0..<(try r.count(limit: 1000)) {
            calibration.append(CalibrationBucket(lower: try r.f32(), upper: try r.f32(), people: Int(try r.tally()),
                                                 meanPredicted: try r.f64(), observedRate: try r.f64()))
        }
        return ChurnEvaluation(people: people, churned: churned, metrics: metrics, calibration: calibration)
    }

    /// The expected calibration error: the people-weighted mean gap between the predicted and the
    /// observed churn rate over the ten score buckets (meaningful for probabilities only).
    public var calibrationError: Double {
        let total = calibration.reduce(0) { $0 + $1.people }
        guard total > 0 else { return 0 }
        return calibration.reduce(0.0) { $0 + Double($1.people) * abs($1.meanPredicted - $1.observedRate) } / Double(total)
    }

    /// Lines of text: the ranking metrics and the calibration table.
    public func lines(indent: String = "  ") -> [String] {
        guard people > 0 else { return ["\(indent)no labelled people"] }
        var out = ["\(indent)people \(Format.count(people)), churned \(Format.count(churned)) (\(Format.fixed(100 * Double(churned) / Double(people), 1))%)",
                   "\(indent)ROC AUC \(Format.fixed(metrics.rocAUC, 4))   PR AUC \(Format.fixed(metrics.prAUC, 4))   "
                   + "top-decile lift \(Format.fixed(metrics.topDecileLift, 2))   top-decile capture \(Format.fixed(100 * metrics.topDecileCapture, 1))%   "
                   + "calibration error \(Format.fixed(calibrationError, 4))",
                   "\(indent)calibration (tenths by score):  score range        people   predicted  observed"]
        for b in calibration {
            out.append("\(indent)  \(Format.fixed(Double(b.lower), 3))–\(Format.fixed(Double(b.upper), 3))".rightPadded(34 + indent.count)
                       + Format.count(b.people).leftPadded(9) + Format.fixed(b.meanPredicted, 3).leftPadded(12) + Format.fixed(b.observedRate, 3).leftPadded(10))
        }
        return out
    }

    public var json: String {
        JSONText.object([
            ("people", "\(people)"), ("churned", "\(churned)"),
            ("roc_auc", JSONText.number(metrics.rocAUC)), ("pr_auc", JSONText.number(metrics.prAUC)),
            ("top_decile_lift", JSONText.number(metrics.topDecileLift)), ("top_decile_capture", JSONText.number(metrics.topDecileCapture)),
            ("calibration_error", JSONText.number(calibrationError)),
            ("calibration", "[" + calibration.map { b in
                JSONText.object([("lower", JSONText.number(Double(b.lower))), ("upper", JSONText.number(Double(b.upper))), ("people", "\(b.people)"),
                                 ("mean_predicted", JSONText.number(b.meanPredicted)), ("observed_rate", JSONText.number(b.observedRate))])
            }.joined(separator: ",") + "]"),
        ])
    }
}

/// A trained churn model: the binning of each feature, the forest, how it was trained and what
/// training measured. Stored in the workspace (`churn_model`) in a versioned binary format.
public struct ChurnModel: Sendable, Equatable {
    public static let magic: [UInt8] = Array("OMCHURN".utf8)
    /// Version 2 adds the baselines; version 1 models (without) are still read.
    public static let formatVersion: UInt16 = 2

    public var featureNames: [String]
    public var bins: [FeatureBins]
    public var forest: RandomForest
    public var options: ForestOptions
    public var labelling: ChurnLabelling
    public var featureSetID: Int64
    public var trainingRows: Int
    public var trainingChurned: Int
    /// Out-of-bag ROC AUC on the training rows.
    public var outOfBagAUC: Double
    /// On the held-out people (none when training held none out).
    public var holdout: ChurnEvaluation
    /// Weighted Gini decrease per feature, summed over the forest, as shares of the total.
    public var impurityImportance: [Double]
    /// Drop in held-out ROC AUC when the feature's values are shuffled (empty without a holdout).
    public var permutationImportance: [Double]
    /// Recency alone and a logistic regression on the same split (nil for a model stored before them).
    public var baselines: ChurnBaselines?

    public init(featureNames: [String], bins: [FeatureBins], forest: RandomForest, options: ForestOptions, labelling: ChurnLabelling,
                featureSetID: Int64, trainingRows: Int, trainingChurned: Int, outOfBagAUC: Double, holdout: ChurnEvaluation,
                impurityImportance: [Double], permutationImportance: [Double], baselines: ChurnBaselines? = nil) {
        self.featureNames = featureNames
        self.bins = bins
        self.forest = forest
        self.options = options
        self.labelling = labelling
        self.featureSetID = featureSetID
        self.trainingRows = trainingRows
        self.trainingChurned = trainingChurned
        self.outOfBagAUC = outOfBagAUC
        self.holdout = holdout
        self.impurityImportance = impurityImportance
        self.permutationImportance = permutationImportance
        self.baselines = baselines
    }

    public var encoded: [UInt8] {
        var w = WireWriter(capacity: 4096 + forest.trees.reduce(0) { $0 + 13 * $1.nodeCount })
        w.raw(Self.magic)
        w.u16(Self.formatVersion)
        Self.encode(featureNames, bins, into: &w)
        Self.encode(options, into: &w)
        labelling.encode(into: &w)
        w.i64(featureSetID)
        w.u64(UInt64(trainingRows))
        w.u64(UInt64(trainingChurned))
        w.f64(outOfBagAUC)
        holdout.encode(into: &w)
        for v in impurityImportance { w.f64(v) }
        w.count(permutationImportance.count)
        for v in permutationImportance { w.f64(v) }
        w.count(forest.trees.count)
        for tree in forest.trees { Self.encode(tree, into: &w) }
        w.optional(baselines) { $0.encode(into: &$1) }
        return w.bytes
    }

    /// Decodes a stored model; throws `.corrupt` (or `.badInput` for a newer format) saying what is wrong.
    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        guard bytes.count >= Self.magic.count + 2, Array(bytes.prefix(Self.magic.count)) == Self.magic else {
            throw OmnisegError(.corrupt, "not a churn model (no OMCHURN header)")
        }
        var r = WireReader(Array(bytes.dropFirst(Self.magic.count)), what: "churn model")
        let version = try r.u16()
        guard (1...Self.formatVersion).contains(version) else {
            throw OmnisegError(.badInput, "churn model format \(version) is not one this build reads (it reads 1 to \(Self.formatVersion))")
        }
        (featureNames, bins) = try Self.decodeFeatures(from: &r)
        let d = featureNames.count
        options = try Self.decodeOptions(from: &r)
        labelling = try ChurnLabelling.decode(from: &r)
        featureSetID = try r.i64()
        trainingRows = Int(try r.tally())
        trainingChurned = Int(try r.tally())
        outOfBagAUC = try r.f64()
        holdout = try ChurnEvaluation.decode(from: &r)
        impurityImportance = []
        for _ in 0..<d { impurityImportance.append(try r.f64()) }
        permutationImportance = []
        for _ in 0..<(try r.count(limit: d)) { permutationImportance.append(try r.f64()) }
        var trees: [DecisionTree] = []
        for _ in 0..<(try r.count(limit: 1 << 20)) { trees.append(try Self.decodeTree(from: &r, features: d)) }
        forest = RandomForest(trees: trees)
        baselines = version >= 2 ? try r.optional { (r: inout WireReader) throws(OmnisegError) in try ChurnBaselines.decode(from: &r) } : nil
        try r.expectEnd()
    }

    /// Feature names with their bin edges.
    static func encode(_ names: [String], _ bins: [FeatureBins], into w: inout WireWriter) {
        w.count(names.count)
        for (name, b) in zip(names, bins) {
            w.string(name)
            w.count(b.edges.count)
            for e in b.edges { w.f32(e) }
        }
    }

    static func decodeFeatures(from r: inout WireReader) throws(OmnisegError) -> ([String], [FeatureBins]) {
        var names: [String] = [], bins: [FeatureBins] = []
        for _ in 0..<(try r.count(limit: 1 << 16)) {
            names.append(try r.string(limit: 1024))
            var edges: [Float] = []
            for _ in 0..<(try r.count(limit: FeatureBins.maximumBins - 1)) { edges.append(try r.f32()) }
            guard zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else { throw r.failure("bin edges of \(names.last ?? "") are not ascending") }
            bins.append(FeatureBins(edges: edges))
        }
        return (names, bins)
    }

    static func encode(_ o: ForestOptions, into w: inout WireWriter) {
        w.u32(UInt32(o.trees))
        w.u32(UInt32(o.tree.maximumDepth))
        w.f64(o.tree.minimumLeafWeight)
        w.u32(UInt32(o.tree.featuresPerSplit ?? 0))
        w.f64(o.positiveWeight ?? 0)
        w.u8(o.bootstrap ? 1 : 0)
        w.u64(o.seed)
    }

    /// Forest options, within the bounds the parameters allow (a damaged state must not ask for 2³²
    /// trees or a depth of 2³²: growing them would exhaust memory).
    static func decodeOptions(from r: inout WireReader) throws(OmnisegError) -> ForestOptions {
        var o = ForestOptions()
        o.trees = Int(try r.u32())
        guard ChurnParameters.treeBounds.contains(o.trees) else { throw r.failure("\(o.trees) trees is outside \(ChurnParameters.treeBounds)") }
        o.tree.maximumDepth = Int(try r.u32())
        guard ChurnParameters.depthBounds.contains(o.tree.maximumDepth) else {
            throw r.failure("a depth of \(o.tree.maximumDepth) is outside \(ChurnParameters.depthBounds)")
        }
        o.tree.minimumLeafWeight = try r.f64()
        guard ChurnParameters.minimumLeafBounds.contains(o.tree.minimumLeafWeight) else {
            throw r.failure("a minimum leaf weight of \(o.tree.minimumLeafWeight) is outside \(ChurnParameters.minimumLeafBounds)")
        }
        let tried = Int(try r.u32())
        guard tried == 0 || ChurnParameters.featuresPerSplitBounds.contains(tried) else {
            throw r.failure("\(tried) features per split is outside \(ChurnParameters.featuresPerSplitBounds)")
        }
        o.tree.featuresPerSplit = tried > 0 ? tried : nil
        let weight = try r.f64()
        guard weight.isFinite, weight >= 0 else { throw r.failure("a class weight of \(weight) is not a finite number ≥ 0") }
        o.positiveWeight = weight > 0 ? weight : nil
        let bootstrap = try r.u8()
        guard bootstrap <= 1 else { throw r.failure("a bootstrap flag of \(bootstrap) is neither 0 nor 1") }
        o.bootstrap = bootstrap == 1
        o.seed = try r.u64()
        return o
    }

    static func encode(_ tree: DecisionTree, into w: inout WireWriter) {
        w.count(tree.nodeCount)
        for i in 0..<tree.nodeCount {
            w.u32(UInt32(bitPattern: tree.feature[i]))
            w.u8(tree.bin[i])
            w.u32(UInt32(bitPattern: tree.left[i]))
            w.f32(tree.value[i])
        }
    }

    /// A tree, checked so traversal cannot leave it: children in range and after their parent.
    static func decodeTree(from r: inout WireReader, features: Int) throws(OmnisegError) -> DecisionTree {
        var tree = DecisionTree()
        let n = try r.count(limit: 1 << 24)
        guard n > 0 else { throw r.failure("a tree has no nodes") }
        for i in 0..<n {
            let feature = Int32(bitPattern: try r.u32()), bin = try r.u8(), left = Int32(bitPattern: try r.u32()), value = try r.f32()
            if feature >= 0 {
                guard Int(feature) < features, left > i, Int(left) + 1 < n else { throw r.failure("tree node \(i) points outside its tree") }
            }
            tree.feature.append(feature < 0 ? -1 : feature)
            tree.bin.append(bin)
            tree.left.append(feature < 0 ? -1 : left)
            tree.value.append(value)
        }
        return tree
    }
}
