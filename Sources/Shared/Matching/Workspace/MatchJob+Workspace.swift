import Identity
import JobRuntime
import Matching
import OmnisegCore
import Workspace
import WorkspaceJobs

/// The workspace side of the `match` job: the records and their people under the exact keys and
/// labels (``IdentityResolver``), cut into record blocks by ``MatchPlan``; with `--stored-model`, the
/// model the workspace keeps goes with them. The result is not stored
/// per person: `omniseg resolve --probabilistic` applies it (it stays in the job's record).
extension MatchJob: WorkspaceJob {
    public func prepare(in workspace: Workspace) throws(OmnisegError) -> JobPreparation {
        let resolver = IdentityResolver(options: ResolveOptions(maxRecordsPerKey: maxRecordsPerKey, defaultCountryCode: phoneCountry,
                                                                probabilistic: options))
        let (records, people) = try resolver.matchInputs(workspace)
        var model: MatchModel?
        if options.storedModel {
            guard let stored = try MatchStore(workspace: workspace).model() else {
                throw OmnisegError(.precondition, "--stored-model: this workspace has no match model yet; resolve with --probabilistic first, "
                                   + "or leave --stored-model out to fit one")
            }
            model = stored.model
        }
        let plan = MatchPlan(records: records, people: people, options: options, model: model)
        return JobPreparation(state: plan.state, taskData: plan.taskData)
    }
}
