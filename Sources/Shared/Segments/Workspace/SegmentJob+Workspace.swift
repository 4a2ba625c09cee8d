import Features
import JobRuntime
import OmnisegCore
import Segments
import Workspace
import WorkspaceJobs

/// The segment and overlap jobs where the workspace is: every rule is checked against the
/// workspace's vocabulary and each shard gets its people's interactions and stored results.
extension SegmentJob: WorkspaceJob {
    public func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        guard !segments.isEmpty else { throw OmnisegError(.badInput, "job parameter 'rule' is required: the segment's rule") }
        let inputs = try SegmentInputs.load(workspace, matrix: matrix)
        return try preparation(vocabulary: inputs.vocabulary, rfm: inputs.rfm, data: inputs.data, featureSetID: matrix.setID, asOf: matrix.asOf)
    }
}
