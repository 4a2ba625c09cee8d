import Features
import Forest
import JobRuntime
import OmnisegCore
import Synchronization

/// What a `churn-evaluate` job measured.
public struct ChurnEvaluationResult: Sendable, Equatable {
    public var modelID: Int64
    public var labelling: ChurnLabelling
    public var evaluation: ChurnEvaluation
    /// Recency alone and the model's logistic regression on the same people (nil for a model stored without them).
    public var baselines: ChurnBaselines?

    public var encoded: [UInt8] {
        var w = WireWriter()
        w.i64(modelID)
        labelling.encode(into: &w)
        evaluation.encode(into: &w)
        w.optional(baselines) { $0.encode(into: &$1) }
        return w.bytes
    }

    public init(modelID: Int64, labelling: ChurnLabelling, evaluation: ChurnEvaluation, baselines: ChurnBaselines? = nil) {
        self.modelID = modelID
        self.labelling = labelling
        self.evaluation = evaluation
        self.baselines = baselines
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "churn evaluation")
        modelID = try r.i64()
        labelling = try ChurnLabelling.decode(from: &r)
        evaluation = try ChurnEvaluation.decode(from: &r)
        baselines = try r.optional { (r: inout WireReader) throws(OmnisegError) in try ChurnBaselines.decode(from: &r) }
        try r.expectEnd()
    }
}

/// The `churn-evaluate` job: a stored model's ROC AUC, PR AUC, top-decile lift and capture and
/// calibration on labelled people of a feature set (labels as for training: `horizon_days` and
/// `channel`, defaulting to the model's, or `labels=ID`), usually a later cut-off than training's.
public struct ChurnEvaluateJob: JobKind {
    public static let name = "churn-evaluate"
    public static let codecs = JobCodecs(name, state: 2, result: 2)
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "A stored churn model's AUC, lift, capture and calibration on labelled people of a feature set.",
        parameters: ChurnParameters.evaluateSchema) { _, parameters throws(OmnisegError) in try ChurnEvaluateJob(parameters: parameters) }

    public let modelID: Int64?
    /// nil: the model's.
    public let horizonDays: Int?
    /// nil: the model's.
    public let channels: [Channel]?
    public let labelSetID: Int64

    public init(parameters: JobParameters) throws(OmnisegError) {
        modelID = try parameters.value(ChurnParameters.model)
        horizonDays = try parameters.value(ChurnParameters.horizon)
        channels = try ChurnParameters.channels(parameters)
        labelSetID = try parameters.value(ChurnParameters.labels) ?? 0
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
                                                     evaluation: evaluation, baselines: decoded.baselines).encoded)
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let r = try ChurnEvaluationResult(decoding: result)
        if json {
            return JSONText.object([("model_id", "\(r.modelID)"), ("labels", JSONText.quoted(r.labelling.description)),
                                    ("evaluation", r.evaluation.json), ("baselines", r.baselines.map(ChurnReport.baselinesJSON) ?? "null")]) + "\n"
        }
        let comparison = r.baselines.map { ChurnReport.comparisonLines(r.evaluation, $0, title: "beside the baselines (same people; "
                                                                        + "logistic regression as fitted with the model):") } ?? []
        return (["churn model \(r.modelID) evaluated; labels: \(r.labelling.description)"] + r.evaluation.lines() + comparison)
            .joined(separator: "\n") + "\n"
    }
}
