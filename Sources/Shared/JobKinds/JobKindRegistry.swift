import Churn
import Clustering
import JobRuntime
import OmnisegCore
import Profiling
import Recommend
import Segments

/// Makes a job kind by name: the one place that knows every kind.
public enum JobKindRegistry {
    /// The kinds this build runs.
    public static let names = [ProfileJob.name, ProbeJob.name, ClusterJob.name, ChurnTrainJob.name, ChurnScoreJob.name, ChurnEvaluateJob.name,
                                RecommendJob.name, SegmentJob.name, SegmentJob.overlapName]

    /// The kind `name` for a feature matrix with `columnNames`, configured by `parameters`.
    public static func make(_ name: String, columnNames: [String], parameters: JobParameters) throws(OmnisegError) -> any JobKind {
        switch name {
        case ProfileJob.name: return try ProfileJob(columnNames: columnNames, parameters: parameters)
        case ProbeJob.name: return try ProbeJob(parameters: parameters)
        case ClusterJob.name: return try ClusterJob(columnNames: columnNames, parameters: parameters)
        case ChurnTrainJob.name: return try ChurnTrainJob(columnNames: columnNames, parameters: parameters)
        case ChurnScoreJob.name: return try ChurnScoreJob(parameters: parameters)
        case ChurnEvaluateJob.name: return try ChurnEvaluateJob(parameters: parameters)
        case RecommendJob.name: return try RecommendJob(parameters: parameters)
        case SegmentJob.name, SegmentJob.overlapName: return try SegmentJob(parameters: parameters)
        default:
            throw OmnisegError(.badInput, "unknown job kind '\(name)' (this build runs: \(names.joined(separator: ", ")))")
        }
    }

    /// A finished result of kind `name` as text (JSON when `json`); rendering needs no columns or parameters.
    public static func render(_ name: String, result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        try make(name, columnNames: [], parameters: JobParameters()).render(result: result, json: json)
    }

    /// A finished result of kind `name` as CSV of per-person rows.
    public static func csv(_ name: String, result: [UInt8]) throws(OmnisegError) -> String {
        try make(name, columnNames: [], parameters: JobParameters()).csv(result: result)
    }

    /// Throws unless `name` is a kind and `parameters` are valid for it (before a job is queued).
    public static func validate(_ name: String, parameters: JobParameters) throws(OmnisegError) {
        _ = try make(name, columnNames: [], parameters: parameters)
    }
}
