import OmnisegCore

/// Whether anything can run a workspace's jobs now: live workers (a heartbeat newer than its TTL)
/// and a coordinator holding the workspace's leader lock.
public struct ClusterReadiness: Sendable, Equatable {
    /// Workers whose heartbeat is alive.
    public var liveWorkers: Int
    /// Whether a coordinator leads the workspace.
    public var coordinatorLeads: Bool

    public init(liveWorkers: Int, coordinatorLeads: Bool) {
        self.liveWorkers = liveWorkers
        self.coordinatorLeads = coordinatorLeads
    }

    /// What keeps a job of workspace `workspaceID` from running, as sentences that say what to start;
    /// empty when workers and a coordinator are there. `needsCoordinator` false: the caller coordinates.
    public func problems(workspaceID: String, needsCoordinator: Bool = true) -> [String] {
        var problems: [String] = []
        if liveWorkers == 0 {
            problems.append("no worker is alive: the job waits until `omniseg-worker --redis URL` runs on some host")
        }
        if needsCoordinator && !coordinatorLeads {
            problems.append("no coordinator serves workspace \(workspaceID): the job waits until `omniseg coordinator -w WORKSPACE --redis URL` runs")
        }
        return problems
    }
}

extension JobQueueClient {
    /// Who can run workspace `workspaceID`'s jobs now.
    public func readiness(workspaceID: String) throws(OmnisegError) -> ClusterReadiness {
        let alive = try workers().filter(\.alive).count
        let leads = try connection.run("EXISTS", QueueKeys.leader(workspaceID)).integer == 1
        return ClusterReadiness(liveWorkers: alive, coordinatorLeads: leads)
    }
}
