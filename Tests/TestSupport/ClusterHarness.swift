import FeatureStore
import Foundation
import Kernels
import OmnisegCore
import QueueProtocol
import RedisClient
import Synthetic
import Workspace
import WorkspaceJobs

/// Real processes for the cluster tests: a `redis-server` on a free loopback port, `omniseg-worker`
/// and `omniseg coordinator` from this build, and a small generated workspace.
final class ClusterHarness {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var binaries: String { packageRoot + "/.build/debug" }

    let dir = TemporaryDirectory()
    let port: Int
    private(set) var redis: Process?
    private var processes: [Process] = []
    let password: String?

    var url: String { password.map { "redis://:\($0)@127.0.0.1:\(port)/0" } ?? "redis://127.0.0.1:\(port)/0" }
    var workspacePath: String { dir.file("workspace.sqlite") }

    init(password: String? = nil) throws {
        self.password = password
        port = try Self.freePort()
        try FileManager.default.copyItem(atPath: Self.fixtureWorkspace(), toPath: workspacePath)
        try startRedis()
    }

    deinit {
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        if let redis, redis.isRunning { kill(redis.processIdentifier, SIGKILL); redis.waitUntilExit() }
    }

    /// Starts (or restarts) redis-server with an append-only file in the test folder.
    func startRedis() throws {
        var args = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                    "--dir", dir.path, "--maxmemory-policy", "noeviction"]
        if let password { args += ["--requirepass", password] }
        redis = try launch("/usr/bin/redis-server", args, log: "redis.log")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? RedisConnection(endpoint: RedisEndpoint(url: url)).run("PING")) != nil { return }
            usleep(50_000)
        }
        throw OmnisegError(.unavailable, "redis-server did not start on port \(port); see \(dir.file("redis.log"))")
    }

    /// Stops redis-server with SHUTDOWN (it flushes the append-only file).
    func stopRedis() {
        guard let redis else { return }
        _ = try? connection().run("SHUTDOWN")
        redis.waitUntilExit()
    }

    func connection() throws -> RedisConnection { try RedisConnection(endpoint: RedisEndpoint(url: url)) }

    /// A worker; `kernels` forces its kernel variant (OMNISEG_KERNELS), as on a host with an older CPU.
    @discardableResult
    func worker(_ extra: [String] = [], name: String = "worker", kernels: KernelVariant? = nil) throws -> Process {
        try launch(Self.binaries + "/omniseg-worker", ["--redis", url, "--concurrency", "1", "--lease-ms", "400", "--log-level", "debug"] + extra,
                   log: "\(name)-\(processes.count).log", environment: kernels.map { ["OMNISEG_KERNELS": $0.rawValue] } ?? [:])
    }

    @discardableResult
    func coordinator(_ extra: [String] = []) throws -> Process {
        try launch(Self.binaries + "/omniseg", ["coordinator", "-w", workspacePath, "--redis", url, "--lease-ms", "1500",
                                                "--leader-lease-ms", "1000", "--log-level", "debug"] + extra,
                   log: "coordinator-\(processes.count).log")
    }

    /// Runs `omniseg`, killing it after `timeout`; returns (status, stdout, stderr, whether it timed out).
    func omniseg(_ args: [String], redis: Bool = true, timeout: TimeInterval) throws -> (status: Int32, out: String, err: String, timedOut: Bool) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binaries + "/omniseg")
        p.arguments = args + (redis ? ["--redis", url] : [])
        var env = ProcessInfo.processInfo.environment
        env["OMNISEG_REDIS_URL"] = nil
        p.environment = env
        let out = dir.file("omniseg-\(UUID().uuidString).out"), err = out + ".err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = p.isRunning
        if timedOut { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", timedOut)
    }

    /// Runs job `kind` with `parameters` embedded (no Redis) over the workspace and returns the result
    /// stored in the workspace: the reference a run through workers must match. Throws, with what
    /// the command said, when the run fails or stores no result.
    func embeddedResult(_ kind: String, _ parameters: [String] = []) throws -> [UInt8] {
        let r = try omniseg(["run", kind, "-w", workspacePath, "--quiet"] + parameters.flatMap { ["--param", $0] }, redis: false)
        guard r.status == 0 else { throw OmnisegError(.precondition, "embedded \(kind) exited \(r.status): \(r.err)") }
        let id = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let result = try workspaceResult(id) else { throw OmnisegError(.notFound, "embedded \(kind) job \(id) stored no result") }
        return result
    }

    /// The job's event stream, oldest first.
    func events(_ id: String) throws -> [[String: String]] {
        let client = JobQueueClient(connection: try connection())
        var all: [[String: String]] = []
        var after = "0"
        while true {
            let batch = try client.events(id, after: after, block: .milliseconds(1))
            guard let last = batch.last else { return all }
            all += batch.map(\.fields)
            after = last.id
        }
    }

    /// Polls until `condition` holds or `timeout` passes; returns whether it held.
    func wait(timeout: TimeInterval = 60, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    /// Runs `omniseg` to completion; returns (status, stdout, stderr).
    func omniseg(_ args: [String], redis: Bool = true) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binaries + "/omniseg")
        p.arguments = args + (redis ? ["--redis", url] : [])
        var env = ProcessInfo.processInfo.environment
        env["OMNISEG_REDIS_URL"] = nil
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func submit(_ kind: String = "profile", _ parameters: [String] = []) throws -> String {
        let r = try omniseg(["submit", kind, "-w", workspacePath] + parameters.flatMap { ["--param", $0] })
        guard r.status == 0 else { throw OmnisegError(.badInput, "submit failed: \(r.err)") }
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the job record until `condition` holds or `timeout` passes. A record missing for a
    /// moment (Redis lost it and the coordinator has not queued it again yet) is waited for too;
    /// still missing at the deadline, it throws `.notFound`.
    func waitForJob(_ id: String, timeout: TimeInterval = 60, until condition: (JobRecord) -> Bool) throws -> JobRecord {
        let client = JobQueueClient(connection: try connection())
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let record: JobRecord
            do throws(OmnisegError) { record = try client.record(id) } catch {
                guard error.code == .notFound, Date() < deadline else { throw error }
                usleep(20_000)
                continue
            }
            if condition(record) || Date() > deadline { return record }
            usleep(20_000)
        }
    }

    func finished(_ id: String, timeout: TimeInterval = 60) throws -> JobRecord {
        try waitForJob(id, timeout: timeout) { $0.state.isFinished }
    }

    /// The job's result bytes as recorded in the workspace.
    func workspaceResult(_ id: String) throws -> [UInt8]? {
        try JobLedger(workspace: Workspace(path: workspacePath)).entry(id)?.result
    }

    func log(_ name: String) -> String { (try? String(contentsOfFile: dir.file(name), encoding: .utf8)) ?? "" }

    func launch(_ path: String, _ args: [String], log: String, environment extra: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["OMNISEG_REDIS_URL"] = nil
        env.merge(extra) { $1 }
        p.environment = env
        _ = FileManager.default.createFile(atPath: dir.file(log), contents: nil)
        let handle = FileHandle(forWritingAtPath: dir.file(log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        if path.hasSuffix("redis-server") { return p }
        processes.append(p)
        return p
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw OmnisegError(.io, "cannot find a free loopback port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A workspace of 2,500 generated people with 256-row shards (10 shards), built once per test run.
    static func fixtureWorkspace() throws -> String {
        try fixture.get()
    }

    private static let fixture: Result<String, Error> = Result(catching: {
        try generatedWorkspace(in: NSTemporaryDirectory() + "omniseg-cluster-fixture-\(getpid())", options: GeneratorOptions(people: 2500, seed: 31),
                               features: FeatureOptions(shardRows: 256))
    })

    /// Generates a retailer into `dir`, ingests it into `dir`/workspace.sqlite, resolves identities and
    /// saves one feature set; returns the workspace's path.
    static func generatedWorkspace(in dir: String, options: GeneratorOptions, features: FeatureOptions) throws -> String {
        let workspace = try GeneratedWorkspace.make(in: dir, options: options)
        try FeatureStore(workspace: workspace).save(FeatureBuilder(options: features).build(workspace))
        return workspace.path
    }
}
