import FeatureStore
import JobRuntime
import OmnisegCore
import Workspace

/// The feature set a job reads when its parameters name none: the latest as-of day (ties: the newest
/// built). It is written into the parameters before the job is queued or run, so the job record says
/// which set it used, and announced on standard error.
enum FeatureSetDefault {
    /// `parameters` with `feature_set` filled in from `workspace` when absent (unchanged when the
    /// workspace has no feature set: the job then fails with its own clear error).
    static func pinned(_ parameters: JobParameters, workspace: Workspace) throws(OmnisegError) -> JobParameters {
        guard parameters[CommonParameters.featureSet.name] == nil else { return parameters }
        let store = FeatureStore(workspace: workspace)
        guard let id = try store.defaultSetID() else { return parameters }
        let asOf = try store.asOf(setID: id).map { CivilDate.isoDate(unixSeconds: $0) } ?? "?"
        StandardError.write("using feature set \(id) (as of \(asOf), the latest as-of; pass --feature-set ID for another)\n")
        var pinned = parameters
        pinned[CommonParameters.featureSet.name] = "\(id)"
        return pinned
    }
}
