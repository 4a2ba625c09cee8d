import OmnisegCore

/// The scheduler's pure decisions: how many tasks may be in flight, how they are shared between jobs,
/// and which worker a shard's task is routed to.
public enum DispatchWindow {
    /// The window is measured in rows, so that it holds about the same amount of work whatever the
    /// shard size: eight default shards (65,536 rows each) per live worker slot. With two per slot,
    /// a 1M-person set (16 shards) went out four tasks at a time: every completion had to wake the
    /// coordinator to send the next task, and on a host whose cores the workers keep busy it woke
    /// late (2 ms and more), so workers idled between tasks and an iteration through Redis took 44 %
    /// longer than embedded. Eight per slot sends such an iteration at once, and a job that arrives
    /// meanwhile waits for at most eight tasks per slot ahead of it.
    public static let rowsPerSlot = 8 * 65_536
    /// The least a task counts for, so tiny shards fill a slot's window with at most 32 tasks.
    public static let minimumTaskRows = rowsPerSlot / 32

    /// Rows kept in flight over all jobs; at least one slot's worth when no worker is live yet.
    public static func capacity(liveSlots: Int) -> Int { max(1, liveSlots) * rowsPerSlot }

    /// What one task of a job with shards of `rowsPerShard` rows counts for in the window.
    public static func taskCost(rowsPerShard: Int) -> Int { max(minimumTaskRows, rowsPerShard) }

    /// How many more tasks each job may dispatch now, sharing `capacity` (in the unit of `cost`, one
    /// task of job `i` counting `cost[i]`) fairly between the jobs: each gets an equal share, and a
    /// share a job cannot use (it has fewer tasks left) goes to the others (max-min fairness).
    /// `inFlight[i]` and `wanting[i]` are job `i`'s tasks in flight and still to dispatch. A job
    /// always gets at least one task in flight, even when one task is larger than its share.
    public static func grants(capacity: Int, inFlight: [Int], wanting: [Int], cost: [Int]? = nil) -> [Int] {
        precondition(inFlight.count == wanting.count)
        let jobs = inFlight.count
        guard jobs > 0 else { return [] }
        let cost = cost ?? Array(repeating: 1, count: jobs)
        precondition(cost.count == jobs && cost.allSatisfy { $0 > 0 })
        var free = capacity - (0..<jobs).reduce(0) { $0 + inFlight[$1] * cost[$1] }
        var grants = Array(repeating: 0, count: jobs)
        // Demand is what each job could use beyond what it has in flight, capped by its fair share.
        let fairShare = (0..<jobs).map { max(1, capacity / jobs / cost[$0]) }
        var demand = (0..<jobs).map { min(wanting[$0], max(0, fairShare[$0] - inFlight[$0])) }
        // Round-robin one task at a time: equal shares, and leftovers go to whoever can still use them.
        var progressed = true
        while progressed {
            progressed = false
            for j in 0..<jobs where demand[j] > 0 && (free >= cost[j] || inFlight[j] + grants[j] == 0) {
                grants[j] += 1
                demand[j] -= 1
                free -= cost[j]
                progressed = true
            }
        }
        // Capacity left over after every job got its fair share goes to jobs that still have work.
        progressed = true
        while progressed {
            progressed = false
            for j in 0..<jobs where grants[j] < wanting[j] && free >= cost[j] {
                grants[j] += 1
                free -= cost[j]
                progressed = true
            }
        }
        return grants
    }

    /// The worker a shard's tasks go to: rendezvous (highest-random-weight) hashing over live workers, so
    /// each shard keeps its worker while that worker lives and only its shards move when it leaves.
    public static func preferredWorker(forShard shardKey: String, among workers: [String]) -> String? {
        ranking(forShard: shardKey, among: workers).first
    }

    /// The workers in the order shard `shardKey` prefers them (highest rendezvous weight first).
    static func ranking(forShard shardKey: String, among workers: [String]) -> [String] {
        var weighted: [(weight: UInt64, worker: String)] = []
        for w in workers {
            let weight: UInt64 = Array((w + "|" + shardKey).utf8).withUnsafeBytes { Checksum64.of($0) }
            weighted.append((weight, w))
        }
        weighted.sort { (a: (weight: UInt64, worker: String), b: (weight: UInt64, worker: String)) -> Bool in
            a.weight > b.weight || (a.weight == b.weight && a.worker < b.worker)
        }
        return weighted.map(\.worker)
    }

    /// Every shard's worker, balanced: rendezvous hashing with bounded loads. Shards, in order, take
    /// the first worker of their ranking that holds fewer than ⌈shards / workers⌉, so no worker runs
    /// more than its share (plain rendezvous put all 4 shards of a 200k-person set on one of two
    /// workers 1 time in 8) and a shard keeps its worker while the set of workers stays the same.
    public static func assignment(shards shardKeys: [String], among workers: [String]) -> [String?] {
        guard !workers.isEmpty else { return Array(repeating: nil, count: shardKeys.count) }
        let cap = (shardKeys.count + workers.count - 1) / workers.count
        var load: [String: Int] = [:]
        return shardKeys.map { key in
            let chosen = ranking(forShard: key, among: workers).first { load[$0, default: 0] < cap }
            if let chosen { load[chosen, default: 0] += 1 }
            return chosen
        }
    }

    /// The order to dispatch `shards` in, given each shard's worker (`owners[s]`, nil: the shared
    /// stream): round-robin over the workers, each worker's shards in their order. The window lets only
    /// a few tasks out at a time; in shard order those few could all be one worker's, leaving the
    /// other idle while it works through them (at 1M people, 16 shards over 2 workers × 1 thread, an
    /// iteration through Redis took 44 % longer than embedded).
    public static func interleaved(_ shards: [Int], owners: [String?]) -> [Int] {
        var queues: [[Int]] = []
        var queueOf: [String?: Int] = [:]
        for s in shards {
            let owner = s < owners.count ? owners[s] : nil
            if let q = queueOf[owner] { queues[q].append(s) } else {
                queueOf[owner] = queues.count
                queues.append([s])
            }
        }
        var order: [Int] = []
        order.reserveCapacity(shards.count)
        var round = 0
        while order.count < shards.count {
            for queue in queues where round < queue.count { order.append(queue[round]) }
            round += 1
        }
        return order
    }
}
