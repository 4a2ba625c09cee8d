import OmnisegCore
import QueueProtocol

/// How a worker runs: its task threads, cache, leases and shutdown grace.
package struct WorkerOptions: Sendable {
    /// Task threads, each with its own Redis connection. Default: the number of cores.
    package var concurrency: Int = CPUFeatures.cores
    /// The shard cache's byte budget. Default 1 GiB.
    package var cacheBytes: Int = 1 << 30
    /// Tasks read per stream read, per thread. Default 4.
    package var prefetch: Int = 4
    /// Leases and the heartbeat are renewed every quarter of this (at least every second); the coordinator
    /// reclaims a task idle longer, and retires a worker whose heartbeat is older. Default 10 s.
    package var leaseTimeout: Duration = .seconds(10)
    /// Time to finish in-flight tasks after SIGTERM before releasing them. Default 20 s (under systemd's 30 s).
    package var grace: Duration = .seconds(20)
    /// How long one stream read blocks waiting for tasks. Default 1 s.
    var readBlock: Duration = .seconds(1)
    /// How long the worker tries to reach Redis at start before it exits with 69. Once connected,
    /// it reconnects after any outage. Default 30 s.
    package var startupWait: Duration = .seconds(30)
    /// Test aid: extra time spent on each task, to make failure windows observable.
    package var taskDelay: Duration = .zero

    var retry = RetryPolicy()

    /// The defaults above.
    package init() {}
}
