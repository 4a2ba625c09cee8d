import Features
import JobRuntime
import OmnisegCore
import Workspace

/// What a job kind does where the workspace is (an embedded run or the coordinator, never a worker):
/// make the first state and any per-shard data from the workspace, and store a finished result.
///
/// A kind conforms in its own `Workspace/` folder, by an extension of its compute type, so the
/// worker, which links only the compute, never links SQLite. A kind without a conformance starts
/// from ``JobKind/initialState`` and stores nothing (``WorkspaceJobs/prepare(_:in:matrix:)``).
public protocol WorkspaceJob: JobKind {
    /// The first state and any per-shard data for `matrix`. The data travels to workers as
    /// content-addressed blobs beside the feature shards and is cached with them. Default: the
    /// kind's ``JobKind/initialState`` and no shard data.
    func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation

    /// Writes what the result holds per person into the workspace (after the job succeeded).
    /// Default: nothing.
    func store(result: [UInt8], jobID: String, in workspace: Workspace) throws(OmnisegError)
}

extension WorkspaceJob {
    public func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        JobPreparation(state: initialState)
    }

    public func store(result: [UInt8], jobID: String, in workspace: Workspace) throws(OmnisegError) {}
}

/// The workspace side of any kind: its ``WorkspaceJob`` conformance when it has one, the defaults when not.
public enum WorkspaceJobs {
    /// `kind`'s first state and shard data for `matrix`, checked to cover every shard.
    public static func prepare(_ kind: any JobKind, in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        let preparation = try (kind as? any WorkspaceJob)?.prepare(in: workspace, matrix: matrix) ?? JobPreparation(state: kind.initialState)
        guard preparation.shardData.map({ $0.count == matrix.shards.count }) ?? true else {
            throw OmnisegError(.corrupt, "job kind \(type(of: kind)) prepared data for \(preparation.shardData?.count ?? 0) of \(matrix.shards.count) shards")
        }
        return preparation
    }

    /// Stores `result` of job `jobID` when `kind` has something to store.
    public static func store(_ kind: any JobKind, result: [UInt8], jobID: String, in workspace: Workspace) throws(OmnisegError) {
        try (kind as? any WorkspaceJob)?.store(result: result, jobID: jobID, in: workspace)
    }
}
