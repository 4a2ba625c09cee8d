import RedisClient

/// Redis writes that inform but need not hold up a job: an iteration's last progress event and its
/// timing. Sending each as it happens put two round trips between an iteration's last partial and the
/// next iteration's dispatch; they go instead in the pipeline that begins the next iteration
/// (``RedisCheckpoints/begin(iteration:state:)``), and whatever is left when the job ends is flushed
/// then. One job's thread uses it, so it needs no lock.
final class DeferredWrites {
    private(set) var commands: [RedisCommand] = []

    func append(_ command: RedisCommand) { commands.append(command) }

    /// The commands so far, leaving none.
    func take() -> [RedisCommand] {
        defer { commands = [] }
        return commands
    }

    /// Sends what is left (best effort: these writes only inform).
    func flush(_ connection: RedisConnection) {
        let pending = take()
        if !pending.isEmpty { _ = try? connection.pipeline(pending) }
    }
}
