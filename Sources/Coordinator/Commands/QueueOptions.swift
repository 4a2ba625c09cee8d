import ArgumentParser
import JobRuntime
import OmnisegCore
import QueueProtocol
import RedisClient

/// Options of the commands that talk to the job queue.
struct QueueOptions: ParsableArguments {
    @Option(help: ArgumentHelp("redis://[user:password@]host:port/db; default OMNISEG_REDIS_URL; neither means embedded mode.", valueName: "url"))
    var redis: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    /// The Redis endpoint, or nil for embedded mode.
    func endpoint() throws -> RedisEndpoint? {
        guard let url = redis ?? ProcessEnvironment.value("OMNISEG_REDIS_URL"), !url.isEmpty else { return nil }
        return try exiting { () throws(OmnisegError) in try RedisEndpoint(url: url) }
    }

    /// A connection to the queue; a usage error when no Redis is configured.
    func client(for command: String) throws -> JobQueueClient {
        guard let endpoint = try endpoint() else {
            StandardError.write("error: `omniseg \(command)` needs Redis: pass --redis URL or set OMNISEG_REDIS_URL\n")
            throw ExitCode(64)
        }
        return try exiting { () throws(OmnisegError) in JobQueueClient(connection: try RedisConnection(endpoint: endpoint)) }
    }
}

/// Exit codes that scripts can rely on.
enum ExitStatus {
    static let jobFailed = ExitCode(2)
    static let jobCancelled = ExitCode(3)
    static let notFinished = ExitCode(4)
    static let usage = ExitCode(64)

    /// The exit code for a job that ended in `state`.
    static func of(_ state: JobState) -> ExitCode {
        switch state {
        case .succeeded: return .success
        case .failed: return jobFailed
        case .cancelled: return jobCancelled
        case .queued, .running: return notFinished
        }
    }
}

/// Runs `body`; an ``OmnisegError`` is printed as `error: …` and mapped to its exit code
/// (69 Redis unreachable, 77 credentials refused, 64 bad input, 1 otherwise).
func exiting<T>(_ body: () throws(OmnisegError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        StandardError.write("error: \(error)\n")
        throw ExitCode(error.exitStatus)
    }
}
