import FeatureStore
import JobKinds
import JobRuntime
import OmnisegCore
import Workspace

/// The feature set a job reads when its parameters name none: the latest as-of day (ties: the newest
/// built). It is written into the parameters before the job is queued or run, so the job record says
/// which set it used, and announced on standard error.
enum FeatureSetDefault {
    /// `parameters` of job kind `kind` with `feature_set` filled in from `workspace` when absent
    /// (unchanged for a kind that reads no feature set, and when the workspace has none: the job then
    /// fails with its own clear error).
    static func pinned(_ parameters: JobParameters, kind: String, workspace: Workspace) throws(OmnisegError) -> JobParameters {
        guard parameters[CommonParameters.featureSet.name] == nil, try JobKindRegistry.descriptor(kind).input.readsFeatures else { return parameters }
        let store = FeatureStore(workspace: workspace)
        guard let id = try store.defaultSetID() else { return parameters }
        let asOf = try store.asOf(setID: id).map { CivilDate.isoDate(unixSeconds: $0) } ?? "?"
        StandardError.write("using feature set \(id) (as of \(asOf), the latest as-of; pass --feature-set ID for another)\n")
        var pinned = parameters
        pinned[CommonParameters.featureSet.name] = "\(id)"
        return pinned
    }
}
