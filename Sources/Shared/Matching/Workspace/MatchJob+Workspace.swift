import Identity
import JobRuntime
import Matching
import OmnisegCore
import Workspace
import WorkspaceJobs

/// The workspace side of the `match` job: the records and their people under the exact keys and
/// labels (``IdentityResolver``), cut into record blocks by ``MatchPlan``. The result is not stored
/// per person: `omniseg resolve --probabilistic` applies it (it stays in the job's record).
extension MatchJob: WorkspaceJob {
    public func prepare(in workspace: Workspace) throws(OmnisegError) -> JobPreparation {
        let resolver = IdentityResolver(options: ResolveOptions(maxRecordsPerKey: maxRecordsPerKey, defaultCountryCode: phoneCountry,
                                                                probabilistic: options))
        let (records, people) = try resolver.matchInputs(workspace)
        let plan = MatchPlan(records: records, people: people, options: options)
        return JobPreparation(state: plan.state, taskData: plan.taskData)
    }
}
