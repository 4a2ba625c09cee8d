import Features
import JobKinds
import JobRuntime
import OmnisegCore
import QueueProtocol
import Workspace
import WorkspaceJobs

/// Runs a job in this process (embedded mode) over a loaded feature matrix (nil for kinds that read
/// no feature set) and records it in the workspace's job ledger as `local-N`.
public struct EmbeddedJob {
    public let workspace: Workspace
    public let matrix: FeatureMatrix?
    public let threads: Int

    public init(workspace: Workspace, matrix: FeatureMatrix?, threads: Int) {
        self.workspace = workspace
        self.matrix = matrix
        self.threads = threads
    }

    /// What became of a run: its id, and its result or the error that ended it.
    public struct Outcome {
        public let id: String
        public let result: Result<[UInt8], OmnisegError>
    }

    /// Runs job `kind`; `started` gets the id first, `progress` how far it is in the kind's own unit.
    /// A failure is recorded and returned, not thrown; only a failure to record the job at all is thrown.
    public func run(_ kind: String, parameters: JobParameters, started: (String) -> Void = { _ in },
                    progress: (JobProgress) -> Void = { _ in },
                    timing: (IterationTiming) -> Void = { _ in }) throws(OmnisegError) -> Outcome {
        let job = try JobKindRegistry.make(kind, columnNames: matrix?.names ?? [], parameters: parameters)
        let ledger = JobLedger(workspace: workspace)
        let readsFeatures = job.inputs.kind.readsFeatures
        let id = try ledger.startLocal(kind: kind, parameters: parameters, submittedAt: JobQueueClient.now(),
                                       featureSet: readsFeatures ? matrix?.setID : nil)
        started(id)
        do throws(OmnisegError) {
            let preparation = try WorkspaceJobs.prepare(job, in: workspace, matrix: matrix)
            let transport = InProcessTransport(kind: job, inputs: try preparation.taskInputs(), threads: threads)
            let result = try JobDriver(jobID: id, kind: job, shardCount: preparation.tasks.count, mergeThreads: threads)
                .run(transport: transport, checkpoints: MemoryCheckpoints(), firstState: { preparation.state },
                     progress: { progress(job.progress(iteration: $0, tasksDone: $1, tasksTotal: $2)) }, timing: timing)
            try WorkspaceJobs.store(job, result: result, jobID: id, matrix: matrix, in: workspace)
            try ledger.finish(id: id, state: .succeeded, result: result, error: nil, at: JobQueueClient.now())
            return Outcome(id: id, result: .success(result))
        } catch {
            try ledger.finish(id: id, state: .failed, result: nil, error: error.description, at: JobQueueClient.now())
            return Outcome(id: id, result: .failure(error))
        }
    }
}
