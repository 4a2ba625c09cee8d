import ArgumentParser
import Coordination
import FeatureStore
import JobKinds
import JobRuntime
import Logging
import OmnisegCore
import QueueProtocol
import Workspace

/// Running one job to its end: embedded without Redis, or submitted and coordinated in this process
/// with it (``ForegroundJob`` and `resolve --probabilistic --redis` use it).
struct JobExecution {
    let workspace: WorkspaceOptions
    let queue: QueueOptions
    let tuning: CoordinatorTuning
    let threads: Int
    let timings: Bool

    /// Runs job `kind` (embedded, or through Redis with --redis) and returns its id and result; a
    /// failed job is reported on standard error and exits.
    func execute(_ kind: String, parameters given: JobParameters) throws -> (id: String, result: [UInt8]) {
        let ws = try workspace.open()
        let params = try exiting { () throws(OmnisegError) in try FeatureSetDefault.pinned(given, kind: kind, workspace: ws) }
        guard let endpoint = try queue.endpoint() else {
            return try runEmbedded(kind, params, in: ws)
        }
        ServiceLogging.bootstrap(level: tuning.logLevel)
        ShutdownSignal.install()
        let client = try queue.client(for: "run")
        let wsID = try exiting { () throws(OmnisegError) in try ws.id }
        let spec = try exiting { () throws(OmnisegError) in
            try JobSubmission.submit(kind, parameters: params, workspaceID: wsID, workspace: ws, client: client)
        }
        StandardError.write("job \(spec.id)\n")
        JobSubmission.warnIfNothingCanRun(spec, client: client, needsCoordinator: false)
        let coordinator = ClusterCoordinator(endpoint: endpoint, workspacePath: workspace.workspace, workspaceID: wsID,
                                             options: tuning.options, logger: Logger(label: "omniseg.coordinator"))
        try exiting { () throws(OmnisegError) in try coordinator.run(until: spec.id) }
        let record = try exiting { () throws(OmnisegError) in try client.record(spec.id) }
        if timings {
            for (i, seconds) in record.iterationSeconds.enumerated() {
                StandardError.write(IterationTiming(iteration: i, tasks: record.tasksTotal, seconds: seconds).description + "\n")
            }
        }
        return (spec.id, try succeeded(id: spec.id, state: record.state, result: record.result, error: record.error))
    }

    private func runEmbedded(_ kind: String, _ params: JobParameters, in ws: Workspace) throws -> (id: String, result: [UInt8]) {
        let outcome = try exiting { () throws(OmnisegError) -> EmbeddedJob.Outcome in
            let readsFeatures = try JobKindRegistry.descriptor(kind).input.readsFeatures
            let matrix = readsFeatures ? try FeatureStore(workspace: ws).load(setID: try params.value(CommonParameters.featureSet)) : nil
            var meter: ProgressMeter?
            var last: JobProgress?
            let outcome = try EmbeddedJob(workspace: ws, matrix: matrix, threads: threads).run(kind, parameters: params) { id in
                StandardError.write("job \(id)\n")
            } progress: { p in
                if meter == nil { meter = ProgressMeter(label: kind, total: p.total, unit: p.unit) }
                meter?.update(done: p.done, items: p.done)
                last = p
            } timing: { timing in
                if timings { StandardError.write(timing.description + "\n") }
            }
            if let last { meter?.finish(done: last.total, items: last.done) }
            return outcome
        }
        switch outcome.result {
        case .success(let result): return (outcome.id, try succeeded(id: outcome.id, state: .succeeded, result: result, error: nil))
        case .failure(let error): return (outcome.id, try succeeded(id: outcome.id, state: .failed, result: nil, error: error.description))
        }
    }

    /// The result of a job that succeeded; otherwise reports the failure and exits with its status.
    private func succeeded(id: String, state: JobState, result: [UInt8]?, error: String?) throws -> [UInt8] {
        guard state == .succeeded, let result else {
            StandardError.write("error: job \(id) \(state.rawValue)\(error.map { ": \($0)" } ?? "")\n")
            throw ExitStatus.of(state)
        }
        return result
    }
}
