/// The Redis key names of the queue protocol, in one place.
///
/// Everything lives under `omniseg:`. Per job: `job:{id}` (hash: spec, plan, state, iteration, counts,
/// error, result, `state_ref`: the current iteration state's blob), `job:{id}:results:{i}` (hash
/// shard → partial, first writer wins), `job:{id}:dispatched:{i}` (set of dispatched shards),
/// `job:{id}:events` (progress stream). Tasks: `tasks:shared` and `tasks:w:{worker}` streams read by
/// the consumer group `workers`; `tasks:delayed` (sorted set by due time); `dlq` (dead letters).
public enum QueueKeys {
    public static let prefix = "omniseg:"
    public static let group = "workers"
    public static let sharedStream = prefix + "tasks:shared"
    public static let delayed = prefix + "tasks:delayed"
    public static let deadLetters = prefix + "dlq"
    /// The bytes the dead-letter stream holds (its entries' `size` fields summed), for its byte cap.
    public static let deadLetterBytes = prefix + "dlq:bytes"
    public static let workers = prefix + "workers"
    public static let jobSequence = prefix + "job-seq"
    /// Queue-wide counters (hash): `tasks_past_locality_wait`, tasks moved from a busy worker's stream
    /// to the shared one.
    public static let statistics = prefix + "stats"
    public static let workspaces = prefix + "workspaces"

    public static func job(_ id: String) -> String { prefix + "job:" + id }
    public static func results(_ id: String, iteration: Int) -> String { job(id) + ":results:\(iteration)" }
    public static func dispatched(_ id: String, iteration: Int) -> String { job(id) + ":dispatched:\(iteration)" }
    public static func events(_ id: String) -> String { job(id) + ":events" }
    /// A list that holds one element, the current iteration's count of results, when a task of the job
    /// completed since the coordinator last looked: the coordinator blocks on it (BLPOP) instead of polling.
    public static func completed(_ id: String) -> String { job(id) + ":completed" }

    public static func workerStream(_ worker: String) -> String { prefix + "tasks:w:" + worker }
    public static func workerInfo(_ worker: String) -> String { prefix + "worker:" + worker }
    public static func heartbeat(_ worker: String) -> String { prefix + "heartbeat:" + worker }

    /// Jobs submitted for a workspace, scored by submission order.
    public static func workspaceJobs(_ workspaceID: String) -> String { prefix + "ws:" + workspaceID + ":jobs" }
    public static func leader(_ workspaceID: String) -> String { prefix + "ws:" + workspaceID + ":leader" }
    public static func epoch(_ workspaceID: String) -> String { prefix + "ws:" + workspaceID + ":epoch" }
}
