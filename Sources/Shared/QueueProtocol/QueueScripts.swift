import OmnisegCore
import Synchronization
import RedisClient

/// The queue's atomic steps as Lua scripts, run with EVALSHA (falling back to EVAL once per connection).
///
/// Each script is one step that must not interleave with another client: completing a task,
/// failing or requeuing one, promoting delayed tasks, cancelling a job, and the coordinator's
/// fenced writes and leader lock.
public enum QueueScripts {
    /// Completes a task. KEYS: job hash, results hash, task stream, the job's completion signal list
    /// (left holding one element, the iteration's count of results, when a result is stored). ARGV: group, entry id, shard,
    /// iteration, partial, shard bytes the task read from Redis (counted per iteration in the job's
    /// `shard_bytes_read:<iteration>`, whatever the outcome: they were moved).
    /// Returns 1 stored, 0 job not running (dropped), -1 stale iteration, -2 duplicate.
    ///
    /// The partial itself is kept out of the append-only file and replicas (`set_repl`): it can be
    /// computed again from the durable shard blobs and checkpoint, and logging it was most of what a
    /// job through Redis cost over embedded (recommend at 1M people: 1.3 GB of partials a run). A Redis
    /// restarted from its AOF mid-iteration has the task acknowledged but no result: the coordinator's
    /// lost-task check finds it in no stream, retry set or result and dispatches it again.
    public static let complete = QueueScript("""
        redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[3], ARGV[2])
        local fields = redis.call('HMGET', KEYS[1], 'state', 'iteration')
        if fields[1] and tonumber(ARGV[6]) > 0 then
          redis.call('HINCRBY', KEYS[1], 'shard_bytes_read:' .. ARGV[4], ARGV[6])
        end
        if fields[1] ~= 'running' then return 0 end
        if fields[2] ~= ARGV[4] then return -1 end
        redis.set_repl(redis.REPL_NONE)
        local stored = redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[5])
        redis.set_repl(redis.REPL_ALL)
        if stored == 1 then
          redis.call('HINCRBY', KEYS[1], 'tasks_done', 1)
          redis.call('DEL', KEYS[4])
          redis.call('RPUSH', KEYS[4], redis.call('HLEN', KEYS[2]))
          return 1
        end
        return -2
        """)

    /// Fails or requeues a task taken off a stream (by its worker, or by the janitor when its lease
    /// lapsed). KEYS: task stream, job hash, dead-letter stream, delayed set, dead-letter byte count.
    /// ARGV: group, entry id, next-attempt envelope, attempt number (1-based, of the failed attempt),
    /// max attempts, due time (ms), reason, fatal (0/1), task id, worker, job id, original envelope
    /// (a bounded prefix), its full size, the dead-letter stream's byte budget.
    /// Returns 0 when the entry was already handled, 1 retried later, 2 dead-lettered.
    public static let fail = QueueScript("""
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        if redis.call('XDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
        local attempt = tonumber(ARGV[4])
        if ARGV[8] == '1' or attempt >= tonumber(ARGV[5]) then
          local size = #ARGV[12] + #ARGV[7] + #ARGV[9] + #ARGV[11] + #ARGV[10] + 128
          redis.call('XADD', KEYS[3], '*', 'task', ARGV[9], 'job', ARGV[11], 'reason', ARGV[7], 'attempts', ARGV[4], 'fatal', ARGV[8],
                     'worker', ARGV[10], 'envelope', ARGV[12], 'envelope_bytes', ARGV[13], 'size', size)
          -- The stream is capped in bytes: the oldest letters go first.
          local total = redis.call('INCRBY', KEYS[5], size)
          while total > tonumber(ARGV[14]) do
            local oldest = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)[1]
            if not oldest then redis.call('SET', KEYS[5], 0); break end
            local freed = 0
            for i = 1, #oldest[2], 2 do if oldest[2][i] == 'size' then freed = tonumber(oldest[2][i + 1]) end end
            redis.call('XDEL', KEYS[3], oldest[1])
            total = redis.call('DECRBY', KEYS[5], freed)
          end
          if ARGV[11] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
            local why = 'task ' .. ARGV[9] .. ' failed'
            if ARGV[8] == '1' then why = why .. ' (not retryable)' else why = why .. ' after ' .. ARGV[4] .. ' attempts' end
            redis.call('HSETNX', KEYS[2], 'error', why .. ': ' .. ARGV[7])
          end
          return 2
        end
        redis.call('ZADD', KEYS[4], ARGV[6], ARGV[3])
        return 1
        """)

    /// Moves a delayed task to a stream. KEYS: delayed set, stream. ARGV: member. Returns 1 when moved.
    public static let promote = QueueScript("""
        if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
          redis.call('XADD', KEYS[2], '*', 't', ARGV[1])
          return 1
        end
        return 0
        """)

    /// The locality wait's fallback: moves the entries of a worker's affinity stream that it has not
    /// read yet and that were added before a cut-off to the shared stream, for any worker to take.
    /// KEYS: worker stream, shared stream. ARGV: group, newest entry id to move (`<ms>-0`), count.
    /// Returns the number moved.
    public static let moveWaiting = QueueScript("""
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local last = '0-0'
        for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
          local name, id
          for i = 1, #g, 2 do
            if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then id = g[i + 1] end
          end
          if name == ARGV[1] then last = id end
        end
        local entries = redis.call('XRANGE', KEYS[1], '(' .. last, ARGV[2], 'COUNT', ARGV[3])
        for _, e in ipairs(entries) do
          local f = e[2]
          for i = 1, #f, 2 do
            if f[i] == 't' then redis.call('XADD', KEYS[2], '*', 't', f[i + 1]) end
          end
          redis.call('XDEL', KEYS[1], e[1])
        end
        return #entries
        """)

    /// Gives a task back for immediate pickup without counting an attempt (graceful shutdown).
    /// KEYS: task stream, shared stream. ARGV: group, entry id, envelope. Returns 1 when released.
    public static let release = QueueScript("""
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        if redis.call('XDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
        redis.call('XADD', KEYS[2], '*', 't', ARGV[3])
        return 1
        """)

    /// Cancels a job: a queued one at once, a running one by flag (its coordinator finishes the
    /// cancellation). KEYS: job hash. ARGV: time. Returns the state it found, or '' for no such job.
    public static let cancel = QueueScript("""
        local state = redis.call('HGET', KEYS[1], 'state')
        if not state then return '' end
        if state == 'queued' then
          redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_at', ARGV[1])
        elseif state == 'running' then
          redis.call('HSET', KEYS[1], 'cancel', '1')
        end
        return state
        """)

    /// Writes job fields only while the caller's epoch is the workspace's current one (fencing).
    /// KEYS: epoch key, job hash. ARGV: epoch, field, value, field, value… Returns 1, or 0 when fenced off.
    public static let fencedSet = QueueScript("""
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
        return 1
        """)

    /// Records that an iteration starts, only while the caller's epoch is current, and reports what the
    /// transport looks at first, so a fresh iteration needs no round trip of its own for it. KEYS: epoch
    /// key, job hash, the iteration's results hash and dispatched set, then (after iteration 0) the
    /// previous iteration's results and dispatched set, which are deleted. ARGV: epoch, iteration,
    /// state blob reference (empty: the state was not stored this iteration, the last checkpoint
    /// stands), tasks total. Returns 0 when fenced off, otherwise
    /// {1, cancel, error, state, results so far, tasks dispatched so far}.
    public static let beginIteration = QueueScript("""
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        local results = redis.call('HLEN', KEYS[3])
        local fields = redis.call('HMGET', KEYS[2], 'cancel', 'error', 'state')
        redis.call('HSET', KEYS[2], 'iteration', ARGV[2], 'tasks_done', results, 'tasks_total', ARGV[4])
        if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'state_ref', ARGV[3], 'checkpoint_iteration', ARGV[2]) end
        if #KEYS > 4 then redis.call('DEL', KEYS[5], KEYS[6]) end
        return {1, fields[1], fields[2], fields[3], results, redis.call('SCARD', KEYS[4])}
        """)

    /// Moves a job from queued to running, unless it was cancelled (or ended) meanwhile, and only while
    /// the caller's epoch is current. KEYS: epoch key, job hash. ARGV: epoch, started_at.
    /// Returns 1 (running now, or still running on a resume), -1 when the job must not run, 0 when fenced off.
    public static let startJob = QueueScript("""
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        local state = redis.call('HGET', KEYS[2], 'state')
        if state == 'running' then return 1 end
        if state ~= 'queued' then return -1 end
        redis.call('HSET', KEYS[2], 'state', 'running', 'started_at', ARGV[2])
        return 1
        """)

    /// The next job number, above ARGV[1] (the highest the workspace has seen). KEYS: job sequence.
    public static let nextJobNumber = QueueScript("""
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
        return redis.call('INCR', KEYS[1])
        """)

    /// Queues a job again that Redis lost. KEYS: job, workspace jobs, events, job sequence. ARGV: id,
    /// its number, spec, then the record's field/value pairs. Returns 1, or 0 when the record exists.
    public static let requeueJob = QueueScript("""
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'spec', ARGV[3], 'requeued', '1', unpack(ARGV, 4))
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'state', 'queued', 'iteration', 0, 'done', 0, 'total', 0, 'requeued', 1)
        local current = tonumber(redis.call('GET', KEYS[4]) or '0')
        if current < tonumber(ARGV[2]) then redis.call('SET', KEYS[4], ARGV[2]) end
        return 1
        """)

    /// Takes or renews the workspace leader lock. KEYS: lock, epoch key. ARGV: owner, ttl ms.
    /// Returns the epoch (a new one when the lock was taken), or 0 when someone else holds it.
    public static let lead = QueueScript("""
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return tonumber(redis.call('GET', KEYS[2]))
        end
        if holder then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return redis.call('INCR', KEYS[2])
        """)

    /// Gives up the leader lock if the caller holds it. KEYS: lock. ARGV: owner.
    public static let resign = QueueScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)
}

/// A Lua script, run by ``RedisConnection/evaluate(_:keys:arguments:)`` by the SHA-1 the server
/// gives it when it is loaded (`SCRIPT LOAD`), so this process computes no hash of its own.
public struct QueueScript: Sendable {
    public let source: String

    init(_ source: String) { self.source = source }

    /// The SHA-1 each script's source was loaded under, as servers answered `SCRIPT LOAD` (the same on
    /// every server: it is the source's digest).
    private static let digests = Mutex<[String: String]>([:])

    /// The script's SHA-1, loading it on `connection` the first time this process runs it.
    func sha1(on connection: RedisConnection) throws(OmnisegError) -> String {
        if let known = Self.digests.withLock({ $0[source] }) { return known }
        return try load(on: connection)
    }

    /// Loads the script on `connection` and records the SHA-1 the server gave it.
    @discardableResult
    func load(on connection: RedisConnection) throws(OmnisegError) -> String {
        let reply = try connection.run("SCRIPT", "LOAD", source)
        guard let sha = reply.text, sha.count == 40 else {
            throw OmnisegError(.corrupt, "Redis at \(connection.endpoint) answered SCRIPT LOAD without a SHA-1 (got \(reply.errorMessage ?? "no text"))")
        }
        Self.digests.withLock { $0[source] = sha }
        return sha
    }
}

/// One call of a script: its keys and arguments.
public struct ScriptCall {
    public var keys: [String]
    public var arguments: [any RedisArgument]

    public init(keys: [String], arguments: [any RedisArgument]) {
        self.keys = keys
        self.arguments = arguments
    }
}

extension RedisConnection {
    /// Runs `script` by its SHA-1, loading it first when the server does not have it (NOSCRIPT).
    @discardableResult
    public func evaluate(_ script: QueueScript, keys: [String], arguments: [any RedisArgument]) throws(OmnisegError) -> RedisReply {
        let reply = try evaluateAll(script, [ScriptCall(keys: keys, arguments: arguments)])[0]
        if let message = reply.errorMessage { throw RedisConnection.serverError(message, command: "EVALSHA", endpoint: endpoint) }
        return reply
    }

    /// Runs `script` once per call in one pipeline and returns the replies in order (error replies
    /// included). A server that lost its script cache (a restart) answers NOSCRIPT without running
    /// anything, so those calls are sent again after loading the script.
    public func evaluateAll(_ script: QueueScript, _ calls: [ScriptCall]) throws(OmnisegError) -> [RedisReply] {
        try evaluateAll(script, calls, then: nil).replies
    }

    /// ``evaluateAll(_:_:)`` with `command` sent last in the same pipeline (run once, whatever the
    /// scripts' NOSCRIPT retries), its reply returned apart.
    public func evaluateAll(_ script: QueueScript, _ calls: [ScriptCall], then command: RedisCommand?) throws(OmnisegError) -> (replies: [RedisReply], then: RedisReply?) {
        let sha = try script.sha1(on: self)
        let commands = calls.map { Self.evalCommand(sha, keys: $0.keys, arguments: $0.arguments) }
        var replies = try pipeline(commands + (command.map { [$0] } ?? []))
        let last = command == nil ? nil : replies.removeLast()
        let missing = replies.indices.filter { replies[$0].errorMessage?.hasPrefix("NOSCRIPT") == true }
        guard !missing.isEmpty else { return (replies, last) }
        try script.load(on: self)
        let retried = try pipeline(missing.map { commands[$0] })
        for (index, reply) in zip(missing, retried) { replies[index] = reply }
        return (replies, last)
    }

    /// Sends `commands`, then one call of `script`, in one pipeline; throws on any error reply and
    /// returns the script's reply. On NOSCRIPT only the script call is sent again, after loading it.
    public func evaluate(_ script: QueueScript, _ call: ScriptCall, after commands: [RedisCommand]) throws(OmnisegError) -> RedisReply {
        let sha = try script.sha1(on: self)
        let eval = Self.evalCommand(sha, keys: call.keys, arguments: call.arguments)
        let replies = try pipeline(commands + [eval])
        if let message = replies.dropLast().compactMap(\.errorMessage).first {
            throw RedisConnection.serverError(message, command: "pipeline before EVALSHA", endpoint: endpoint)
        }
        var reply = replies[replies.count - 1]
        if reply.errorMessage?.hasPrefix("NOSCRIPT") == true {
            try script.load(on: self)
            reply = try pipeline([eval])[0]
        }
        if let message = reply.errorMessage { throw RedisConnection.serverError(message, command: "EVALSHA", endpoint: endpoint) }
        return reply
    }

    private static func evalCommand(_ sha1: String, keys: [String], arguments: [any RedisArgument]) -> RedisCommand {
        var command = RedisCommand("EVALSHA", sha1, keys.count)
        for k in keys { command.append(k) }
        for a in arguments { command.append(a) }
        return command
    }

    /// Loads scripts ahead of use, so a bad script fails at start rather than mid-job.
    public func loadScripts(_ scripts: [QueueScript]) throws(OmnisegError) {
        for s in scripts { try s.load(on: self) }
    }
}
