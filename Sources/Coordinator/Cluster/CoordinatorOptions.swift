import Shared

/// How a coordinator runs.
struct CoordinatorOptions: Sendable {
    /// The leader lock's time to live; renewed every quarter of it. Default 10 s.
    var leaderLease: Duration = .seconds(10)
    /// A task idle longer than this in a stream's pending list is reclaimed. Default 30 s
    /// (workers renew every quarter of their own lease, 10 s by default).
    var leaseTimeout: Duration = .seconds(30)
    /// Jobs run at once. Default 4.
    var maxJobs = 4
    /// How long finished jobs' keys are kept in Redis. Default 7 days.
    var retention: Duration = .seconds(7 * 24 * 3600)
    var retry = RetryPolicy()
}
