/// When the coordinator stores an iteration's whole state in Redis, its checkpoint.
///
/// Small states are stored every iteration (one pipeline with the iteration's start). A large state
/// whose tasks read only a view of it (``JobKind/taskState(iteration:state:)``: recommend's
/// counting iterations, whose state grows to tens of megabytes) is stored at most once per
/// `interval`: writing it every iteration, and its append-only-file log, was most of what such a
/// job cost through Redis. A coordinator that dies resumes from the last stored iteration and runs
/// the iterations since again, with the same results (iterations are pure functions of the state).
/// An iteration whose tasks read the state itself always stores it (they fetch it by its reference).
struct CheckpointPolicy: Sendable {
    /// States up to this size are stored every iteration.
    var largeStateBytes = 4 << 20
    /// The longest a large state goes unstored.
    var interval: Duration = .seconds(10)

    /// Whether to store a state of `bytes` whose tasks read it (`tasksRead`) or a view, when the last
    /// stored checkpoint is `sinceStored` old (nil: none yet in this run).
    func stores(bytes: Int, tasksRead: Bool, sinceStored: Duration?) -> Bool {
        guard let sinceStored else { return true }
        return tasksRead || bytes <= largeStateBytes || sinceStored >= interval
    }
}

/// When this coordinator last stored a job's checkpoint; one job's thread uses it, so no lock is needed.
final class CheckpointClock {
    var lastStored: ContinuousClock.Instant?
}
