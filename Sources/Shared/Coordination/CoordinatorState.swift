import OmnisegCore
import QueueProtocol
import Synchronization

/// What the coordinator's threads share: leadership, live workers and the dispatch window.
final class CoordinatorState: Sendable {
    private struct Fields {
        var epoch: Int64 = 0
        var isLeader = false
        var stopping = false
        var liveWorkers: [String] = []
        var capacity = DispatchWindow.capacity(liveSlots: 0)
        var inFlight: [String: Int] = [:]
        var wanting: [String: Int] = [:]
        var cost: [String: Int] = [:]
    }

    private let fields = Mutex(Fields())

    var epoch: Int64 { fields.withLock { $0.epoch } }
    var isLeader: Bool { fields.withLock { $0.isLeader } }
    var stopping: Bool { fields.withLock { $0.stopping } }
    var liveWorkers: [String] { fields.withLock { $0.liveWorkers } }

    func lead(epoch: Int64) { fields.withLock { $0.epoch = epoch; $0.isLeader = epoch > 0 } }
    func stop() { fields.withLock { $0.stopping = true } }
    func workers(_ live: [String], slots: Int) {
        fields.withLock {
            $0.liveWorkers = live
            $0.capacity = DispatchWindow.capacity(liveSlots: slots)
        }
    }

    /// How many tasks job `jobID` may dispatch now, given what it has in flight and still wants and
    /// what one of its tasks counts for (``DispatchWindow/taskCost(rowsPerShard:)``); shares the
    /// window fairly with the other jobs that reported.
    func grant(job jobID: String, inFlight: Int, wanting: Int, taskCost: Int) -> Int {
        fields.withLock { f in
            f.inFlight[jobID] = inFlight
            f.wanting[jobID] = wanting
            f.cost[jobID] = taskCost
            let jobs = f.inFlight.keys.sorted()
            let grants = DispatchWindow.grants(capacity: f.capacity, inFlight: jobs.map { f.inFlight[$0] ?? 0 },
                                               wanting: jobs.map { f.wanting[$0] ?? 0 }, cost: jobs.map { f.cost[$0] ?? 1 })
            guard let i = jobs.firstIndex(of: jobID) else { return 0 }
            f.inFlight[jobID] = inFlight + grants[i]
            return grants[i]
        }
    }

    func forget(job jobID: String) {
        fields.withLock { f in
            f.inFlight[jobID] = nil
            f.wanting[jobID] = nil
            f.cost[jobID] = nil
        }
    }
}

extension OmnisegError.Code {
    /// Another coordinator took over this workspace (fencing), or this one is stopping.
    static let fenced = OmnisegError.Code("fenced")
    /// The job failed on the workers.
    static let jobFailed = OmnisegError.Code("job-failed")
    /// Redis lost the job's record (restarted without persistence, or flushed): ``LostJobRecovery``
    /// queues it again from the workspace.
    static let recordLost = OmnisegError.Code("record-lost")
}
