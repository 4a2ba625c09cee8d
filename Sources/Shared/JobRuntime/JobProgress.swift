/// How far a job is, in the unit a person thinks of it in: iterations of k-means, trees of a forest,
/// shards of a one-pass job.
public struct JobProgress: Sendable, Equatable {
    /// The work done, in `unit`.
    public var done: Int
    /// The work there is, in `unit` (an upper bound for a job that may stop early); 0 when it is not
    /// known in advance.
    public var total: Int
    /// What is counted, plural: "iterations", "trees", "shards".
    public var unit: String

    public init(done: Int, total: Int, unit: String) {
        self.total = max(0, total)
        self.done = max(0, self.total > 0 ? min(done, self.total) : done)
        self.unit = unit
    }

    /// Shards of a job with one iteration: the tasks of iteration 0.
    public static func shards(tasksDone: Int, tasksTotal: Int) -> JobProgress {
        JobProgress(done: tasksDone, total: tasksTotal, unit: "shards")
    }
}
