/// The scheduler's pure decisions: how many tasks may be in flight, how they are shared between jobs,
/// and which worker a shard's task is routed to.
public enum DispatchWindow {
    /// Tasks kept in flight over all jobs: about twice the live worker slots, never fewer than `minimum`.
    public static func capacity(liveSlots: Int, minimum: Int = 2) -> Int { max(minimum, 2 * liveSlots) }

    /// How many more tasks job `jobIndex` may dispatch now, sharing `capacity` fairly between `inFlight.count`
    /// jobs: each gets an equal share, and a share a job cannot use (it has fewer tasks left) goes
    /// to the others (max-min fairness). `wanting[i]` is what job `i` still has to dispatch.
    public static func grants(capacity: Int, inFlight: [Int], wanting: [Int]) -> [Int] {
        precondition(inFlight.count == wanting.count)
        let jobs = inFlight.count
        guard jobs > 0 else { return [] }
        var free = max(0, capacity - inFlight.reduce(0, +))
        var grants = Array(repeating: 0, count: jobs)
        // Demand is what each job could use beyond what it has in flight, capped by its fair share.
        let fairShare = max(1, capacity / jobs)
        var demand = (0..<jobs).map { min(wanting[$0], max(0, fairShare - inFlight[$0])) }
        // Round-robin one task at a time: equal shares, and leftovers go to whoever can still use them.
        var progressed = true
        while free > 0 && progressed {
            progressed = false
            for j in 0..<jobs where free > 0 && demand[j] > 0 {
                grants[j] += 1
                demand[j] -= 1
                free -= 1
                progressed = true
            }
        }
        // Capacity left over after every job got its fair share goes to jobs that still have work.
        progressed = true
        while free > 0 && progressed {
            progressed = false
            for j in 0..<jobs where free > 0 && grants[j] < wanting[j] {
                grants[j] += 1
                free -= 1
                progressed = true
            }
        }
        return grants
    }

    /// The worker a shard's tasks go to: rendezvous (highest-random-weight) hashing over live workers, so
    /// each shard keeps its worker while that worker lives and only its shards move when it leaves.
    public static func preferredWorker(forShard shardKey: String, among workers: [String]) -> String? {
        var best: (weight: UInt64, worker: String)?
        for w in workers {
            let weight = Array((w + "|" + shardKey).utf8).withUnsafeBytes { Checksum64.of($0) }
            if let current = best, weight < current.weight || (weight == current.weight && w > current.worker) { continue }
            best = (weight, w)
        }
        return best?.worker
    }
}
