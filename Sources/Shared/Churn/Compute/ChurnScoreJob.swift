import Features
import Forest
import JobRuntime
import OmnisegCore
import Synchronization

/// The `churn-score` job: every person's churn probability under a stored model (`model=ID`, default
/// the newest) and risk tier (`tiers=0.3,0.6`), written to the workspace's `churn_score` table.
public struct ChurnScoreJob: JobKind {
    public static let name = "churn-score"
    public static let codecs = JobCodecs(name, state: 2)
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Score every person with a stored churn model: probability and risk tier (churn_score).",
        parameters: ChurnParameters.scoreSchema) { _, parameters throws(OmnisegError) in try ChurnScoreJob(parameters: parameters) }

    public let modelID: Int64?
    public let tiers: RiskTiers

    public init(parameters: JobParameters) throws(OmnisegError) {
        modelID = try parameters.value(ChurnParameters.model)
        tiers = try parameters.value(ChurnParameters.tiers).map { text throws(OmnisegError) in try RiskTiers(parsing: text) } ?? .standard
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

    public func csv(result: [UInt8], people: PersonRows) throws(OmnisegError) -> String { try ChurnScores(decoding: result).csv(people: people) }

}
