import QueueProtocol

/// How a coordinator runs.
package struct CoordinatorOptions: Sendable {
    /// The leader lock's time to live; renewed every quarter of it. Default 10 s.
    package var leaderLease: Duration = .seconds(10)
    /// A task idle longer than this in a stream's pending list is reclaimed. Default 30 s
    /// (workers renew every quarter of their own lease, 10 s by default).
    package var leaseTimeout: Duration = .seconds(30)
    /// A task routed to a worker that caches its shard waits this long for that worker to read it,
    /// then goes to the shared stream for any worker (which then fetches the shard). Default 2 s.
    package var localityWait: Duration = .seconds(2)
    /// Jobs run at once. Default 4.
    package var maxJobs = 4
    /// How long finished jobs' keys are kept in Redis. Default 7 days.
    var retention: Duration = .seconds(7 * 24 * 3600)

    package var retry = RetryPolicy()
    /// How long the coordinator tries to reach Redis at start before it gives up (exit 69). Once
    /// connected, it reconnects after any outage. Default 30 s.
    package var startupWait: Duration = .seconds(30)
    /// Test aid: a pause between preparing a job and starting it. Default none.
    package var startDelay: Duration = .zero

    /// The defaults above.
    package init() {}
}
