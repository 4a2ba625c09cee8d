import Churn
import Clustering
import JobRuntime
import Matching
import OmnisegCore
import Profiling
import Recommend
import Segments

/// Every job kind this build runs: the one list, one line per kind. A kind lives in its own folder
/// and declares its ``JobKindDescriptor`` there; registering it is adding that line.
public enum JobKindRegistry {
    /// The kinds, in the order help lists them.
    public static let all: [JobKindDescriptor] = [
        ProfileJob.descriptor,
        ProbeJob.descriptor,
        TableProfileJob.descriptor,
        ClusterJob.descriptor,
        ChurnTrainJob.descriptor,
        ChurnScoreJob.descriptor,
        ChurnEvaluateJob.descriptor,
        RecommendJob.descriptor,
        SegmentJob.descriptor,
        SegmentJob.overlapDescriptor,
        MatchJob.descriptor,
    ]

    /// The kinds' names.
    public static var names: [String] { all.map(\.name) }

    /// The kind named `name`; throws naming the kinds there are.
    public static func descriptor(_ name: String) throws(OmnisegError) -> JobKindDescriptor {
        guard let found = all.first(where: { $0.name == name }) else {
            throw OmnisegError(.badInput, "unknown job kind '\(name)' (this build runs: \(names.joined(separator: ", ")))")
        }
        return found
    }

    /// The kind `name` for a feature matrix with `columnNames`, configured by `parameters`.
    public static func make(_ name: String, columnNames: [String], parameters: JobParameters) throws(OmnisegError) -> any JobKind {
        try descriptor(name).make(columnNames: columnNames, parameters: parameters)
    }

    /// A finished result of kind `name` (as stored, tagged) as text (JSON when `json`); rendering needs no columns or parameters.
    public static func render(_ name: String, result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let kind = try make(name, columnNames: [], parameters: JobParameters())
        return try kind.render(result: try kind.resultBody(result), json: json)
    }

    /// A finished result of kind `name` as CSV of per-person rows, row r being person `people.id(ofRow: r)`.
    public static func csv(_ name: String, result: [UInt8], people: PersonRows) throws(OmnisegError) -> String {
        let kind = try make(name, columnNames: [], parameters: JobParameters())
        return try kind.csv(result: try kind.resultBody(result), people: people)
    }

    /// Throws unless `name` is a kind and `parameters` are valid for it (before a job is queued).
    public static func validate(_ name: String, parameters: JobParameters) throws(OmnisegError) {
        _ = try make(name, columnNames: [], parameters: parameters)
    }
}
