import CHiredis
import OmnisegCore
#if canImport(Glibc)
import Glibc
#endif

/// Timeouts and reconnect policy of a ``RedisConnection``.
public struct RedisConnectionOptions: Sendable {
    /// How long to wait for the TCP connection. Default 2 s.
    public var connectTimeout: Duration = .seconds(2)
    /// How long a read or write may block; keep it longer than any `BLOCK` a command uses. Default 10 s.
    public var socketTimeout: Duration = .seconds(10)
    /// Connection attempts before giving up with `.unavailable`; 1 means no retry. Default 1.
    public var connectAttempts: Int = 1
    /// The first wait between attempts; doubled each time (with jitter) up to `maxBackoff`.
    public var initialBackoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(2)
    /// When set, connection attempts go on (with backoff) until this much time has passed, whatever
    /// `connectAttempts` says. Default nil.
    public var connectWithin: Duration?

    public init() {}

    /// Options for a service's first connection: keep trying for `wait`, then give up with
    /// `.unavailable` (a service that never reached Redis exits instead of retrying forever).
    public static func startup(wait: Duration) -> RedisConnectionOptions {
        var options = RedisConnectionOptions()
        options.connectWithin = wait
        return options
    }

    /// Options for a long-running service: keep trying for about a minute before giving up.
    public static var service: RedisConnectionOptions {
        var options = RedisConnectionOptions()
        options.connectAttempts = 40
        return options
    }
}

/// One blocking connection to Redis through hiredis.
///
/// Not thread-safe (hiredis is not): use one connection per thread, and never call it from the Swift
/// concurrency pool. A broken connection is dropped at the first I/O error; the next command connects
/// again (with backoff, per the options). Commands are not retried: the caller decides.
public final class RedisConnection {
    public let endpoint: RedisEndpoint
    public let options: RedisConnectionOptions
    private var context: UnsafeMutablePointer<redisContext>?

    /// Connects now; throws `.unavailable`, `.authFailed` or `.timeout` with the server's address.
    public init(endpoint: RedisEndpoint, options: RedisConnectionOptions = RedisConnectionOptions()) throws(OmnisegError) {
        self.endpoint = endpoint
        self.options = options
        try connect()
    }

    deinit { if let context { redisFree(context) } }

    public var isConnected: Bool { context != nil }

    /// Sends one command and returns its reply; an error reply is thrown (`.redis`, or `.wrongType`).
    @discardableResult
    public func run(_ command: RedisCommand) throws(OmnisegError) -> RedisReply {
        let reply = try send([command])[0]
        if let message = reply.errorMessage { throw Self.serverError(message, command: command.name, endpoint: endpoint) }
        return reply
    }

    /// Sends one command built from its arguments.
    @discardableResult
    public func run(_ name: String, _ arguments: any RedisArgument...) throws(OmnisegError) -> RedisReply {
        var command = RedisCommand(name)
        for a in arguments { command.append(a) }
        return try run(command)
    }

    /// Sends `commands` in one pipeline and returns their replies in order; error replies are returned,
    /// not thrown, so the caller can judge each one.
    public func pipeline(_ commands: [RedisCommand]) throws(OmnisegError) -> [RedisReply] {
        try send(commands)
    }

    /// Drops the connection; the next command reconnects.
    public func disconnect() {
        if let context { redisFree(context) }
        context = nil
    }

    // MARK: - Internals

    private func send(_ commands: [RedisCommand]) throws(OmnisegError) -> [RedisReply] {
        if context == nil { try connect() }
        guard let context else { throw OmnisegError(.unavailable, "not connected to \(endpoint)") }
        for command in commands { try append(command, to: context) }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for command in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                let error = connectionError(context, doing: command.name)
                disconnect()
                throw error
            }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.convert(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    private func append(_ command: RedisCommand, to context: UnsafeMutablePointer<redisContext>) throws(OmnisegError) {
        let args = command.arguments
        var lengths = args.map(\.count)
        var flat: [UInt8] = []
        flat.reserveCapacity(lengths.reduce(0, +))
        for a in args { flat.append(contentsOf: a) }
        let status = flat.withUnsafeBufferPointer { buffer -> Int32 in
            guard let first = buffer.baseAddress else { return REDIS_ERR }
            let base = UnsafeRawPointer(first)
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(args.count)
            for length in lengths {
                pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return lengths.withUnsafeMutableBufferPointer { lens in
                pointers.withUnsafeMutableBufferPointer { ptrs in
                    redisAppendCommandArgv(context, Int32(args.count), ptrs.baseAddress, lens.baseAddress)
                }
            }
        }
        if status != REDIS_OK {
            let error = connectionError(context, doing: command.name)
            disconnect()
            throw error
        }
    }

    private func connect() throws(OmnisegError) {
        var attempt = 0
        var backoff = options.initialBackoff
        let deadline = options.connectWithin.map { ContinuousClock.now + $0 }
        while true {
            attempt += 1
            do {
                try connectOnce()
                return
            } catch let error where error.code == .unavailable || error.code == .timeout {
                if let deadline, let wait = options.connectWithin {
                    if ContinuousClock.now >= deadline {
                        throw OmnisegError(error.code, "\(error.message) (gave up after \(Format.fixed(wait.inSeconds, 1)) s of attempts)",
                                           context: error.context)
                    }
                } else if attempt >= options.connectAttempts {
                    throw error
                }
                let jittered = backoff * Double.random(in: 0.5...1.0)
                sleep(for: jittered)
                backoff = min(backoff * 2, options.maxBackoff)
            }
        }
    }

    private func connectOnce() throws(OmnisegError) {
        let made = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), Self.timeval(options.connectTimeout))
        guard let made else { throw OmnisegError(.unavailable, "cannot reach Redis at \(endpoint): out of memory") }
        if made.pointee.err != 0 {
            let error = connectionError(made, doing: "connect")
            redisFree(made)
            throw error
        }
        redisSetTimeout(made, Self.timeval(options.socketTimeout))
        redisEnableKeepAlive(made)
        context = made
        if let password = endpoint.password {
            var auth = RedisCommand("AUTH")
            if let user = endpoint.user { auth.append(user) }
            auth.append(password)
            let reply = try send([auth])[0]
            if let message = reply.errorMessage {
                disconnect()
                throw OmnisegError(.authFailed, "Redis at \(endpoint) refused the credentials: \(message)")
            }
        }
        if endpoint.database != 0 {
            let reply = try send([RedisCommand("SELECT", endpoint.database)])[0]
            if let message = reply.errorMessage {
                disconnect()
                throw OmnisegError(.badInput, "Redis at \(endpoint) cannot select database \(endpoint.database): \(message)")
            }
        }
        // A server that accepts connections may still be loading its data (LOADING): that counts as
        // not reachable yet, so the connection is retried within its wait instead of failing later.
        let ping = try send([RedisCommand("PING")])[0]
        if let message = ping.errorMessage {
            disconnect()
            throw Self.serverError(message, command: "PING", endpoint: endpoint)
        }
    }

    private func connectionError(_ context: UnsafeMutablePointer<redisContext>, doing what: String) -> OmnisegError {
        let detail = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let timedOut = detail.contains("temporarily unavailable") || detail.contains("timed out")
        if timedOut {
            return OmnisegError(.timeout, "Redis at \(endpoint) did not answer within the timeout (\(what)): \(detail)")
        }
        if what == "connect" {
            return OmnisegError(.unavailable, "cannot reach Redis at \(endpoint): \(detail.isEmpty ? "connection failed" : detail)")
        }
        return OmnisegError(.unavailable, "lost the connection to Redis at \(endpoint) (\(what)): \(detail.isEmpty ? "connection closed" : detail)")
    }

    /// The typed error for a Redis error reply to `command`.
    public static func serverError(_ message: String, command: String, endpoint: RedisEndpoint) -> OmnisegError {
        if message.hasPrefix("WRONGTYPE") {
            return OmnisegError(.wrongType, "Redis \(command) hit a key of the wrong type: \(message)")
        }
        if message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") || message.hasPrefix("NOPERM") {
            return OmnisegError(.authFailed, "Redis at \(endpoint) refused \(command): \(message)")
        }
        if message.hasPrefix("LOADING") {
            // A server still loading its append-only file answers every command so: not up yet.
            return OmnisegError(.unavailable, "Redis at \(endpoint) is not ready (\(command)): \(message)")
        }
        return OmnisegError(.redis, "Redis \(command) failed: \(message)")
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            guard let str = r.str else { return .bulk([]) }
            return .bulk(Array(UnsafeRawBufferPointer(start: str, count: Int(r.len))))
        case REDIS_REPLY_STATUS:
            return .status(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(r.len)), as: UTF8.self) } ?? "")
        case REDIS_REPLY_ERROR:
            return .error(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(r.len)), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER:
            return .integer(r.integer)
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(Int(r.elements))
            for i in 0..<Int(r.elements) {
                if let element = r.element[i] { items.append(convert(element)) } else { items.append(.null) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

/// Sleeps the calling thread (never call from the concurrency pool).
public func sleep(for duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
