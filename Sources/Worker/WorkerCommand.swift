import ArgumentParser
import Foundation
import Logging
import OmnisegCore
import RedisClient
import WorkerRuntime

/// `omniseg-worker`: runs tasks from Redis until stopped.
@main
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omniseg-worker",
        abstract: "Run Omniseg tasks from a Redis queue.",
        discussion: """
            Reads tasks from the shared stream and from its own affinity stream, runs them on --concurrency
            threads, and writes partial results back. Shards are fetched once and kept in an LRU cache of
            --cache-mb. SIGTERM or SIGINT: stop fetching, finish in-flight tasks within --grace-seconds,
            release the rest, deregister. Exit codes: 0 stopped cleanly, 1 error, 64 usage,
            69 Redis unreachable, 77 Redis refused the credentials.
            """,
        version: OmnisegVersion.current
    )

    @Option(help: ArgumentHelp("redis://[user:password@]host:port/db (or OMNISEG_REDIS_URL).", valueName: "url"))
    var redis: String?

    @Option(help: "Task threads (default: the number of cores).")
    var concurrency: Int = CPUFeatures.cores

    @Option(name: .customLong("cache-mb"), help: "Shard cache budget in MiB (jobs' per-shard data and iteration states get half as much each).")
    var cacheMB: Int = 1024

    @Option(help: "Tasks read at once per thread, when tasks are short or the worker has one thread (then their completions go back in one pipeline).")
    var prefetch: Int = 4

    @Option(name: .customLong("lease-ms"), help: "Task lease and heartbeat lifetime in milliseconds (renewed every quarter, at least every second).")
    var leaseMilliseconds: Int = 10_000

    @Option(name: .customLong("grace-seconds"), help: "Time to finish in-flight tasks after SIGTERM.")
    var graceSeconds: Double = 20

    @Option(name: .customLong("redis-wait-seconds"), help: "How long to try reaching Redis at start before exiting with 69 (once connected, it reconnects after any outage).")
    var redisWaitSeconds: Double = 30

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("task-delay-ms"), help: .hidden)
    var taskDelayMilliseconds: Int = 0

    func validate() throws {
        guard redis ?? ProcessEnvironment.value("OMNISEG_REDIS_URL") != nil else {
            throw ValidationError("a worker needs Redis: pass --redis URL or set OMNISEG_REDIS_URL")
        }
        guard concurrency >= 1, concurrency <= 256 else { throw ValidationError("--concurrency must be from 1 to 256 (got \(concurrency))") }
        guard cacheMB >= 1 else { throw ValidationError("--cache-mb must be at least 1 (got \(cacheMB))") }
        guard prefetch >= 1, prefetch <= 1000 else { throw ValidationError("--prefetch must be from 1 to 1000 (got \(prefetch))") }
        guard redisWaitSeconds >= 0, redisWaitSeconds <= 86_400 else { throw ValidationError("--redis-wait-seconds must be from 0 to 86400 (got \(redisWaitSeconds))") }
        guard leaseMilliseconds >= 100 else { throw ValidationError("--lease-ms must be at least 100 (got \(leaseMilliseconds))") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() throws {
        ServiceLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "omniseg.worker")
        ShutdownSignal.install()
        var options = WorkerOptions()
        options.concurrency = concurrency
        options.cacheBytes = cacheMB << 20
        options.prefetch = prefetch
        options.leaseTimeout = .milliseconds(leaseMilliseconds)
        options.grace = .milliseconds(Int64(graceSeconds * 1000))
        options.taskDelay = .milliseconds(taskDelayMilliseconds)
        options.startupWait = .milliseconds(Int64(redisWaitSeconds * 1000))
        do throws(OmnisegError) {
            let endpoint = try RedisEndpoint(url: redis ?? ProcessEnvironment.value("OMNISEG_REDIS_URL") ?? "")
            try WorkerService(endpoint: endpoint, options: options, logger: logger).run()
        } catch {
            StandardError.write("error: \(error)\n")
            throw ExitCode(error.exitStatus)
        }
    }
}
