import Foundation
import Logging

/// Dedicated threads for the long-running services: blocking Redis and SQLite calls run here, never
/// on the Swift concurrency pool.
public enum ServiceThread {
    /// Starts `body` on a new named thread.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }
}

/// Logging set-up for the executables (libraries only take a `Logger`).
public enum ServiceLogging {
    /// Sends swift-log output to standard error at `level` (`info` when it is not a level name).
    public static func bootstrap(level: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}

extension OmnisegError {
    /// The process exit status for this error: 69 Redis unreachable or timed out, 77 credentials
    /// refused, 64 bad input, 1 otherwise.
    public var exitStatus: Int32 {
        switch code {
        case .unavailable, .timeout: return 69
        case .authFailed: return 77
        case .badInput: return 64
        default: return 1
        }
    }
}
