import OmnisegCore

/// How often a failed task is retried and how long to wait before each retry.
///
/// The wait before attempt `n + 1` is `min(maxBackoff, initialBackoff · 2^(n−1))`, scaled by a
/// random factor in [0.5, 1] ("equal jitter") so that retries of many tasks do not line up.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included. Default 4.
    public var maxAttempts: Int = 4
    public var initialBackoff: Duration = .milliseconds(200)
    public var maxBackoff: Duration = .seconds(10)

    public init(maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(10)) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait after failed attempt `attempt` (1-based), with `jitter` in [0, 1].
    public func backoff(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let base = min(initialBackoff * Double(1 << exponent), maxBackoff)
        return base * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }

    /// Whether a task that failed on attempt `attempt` goes to the dead-letter stream.
    public func isExhausted(afterAttempt attempt: Int, fatal: Bool) -> Bool { fatal || attempt >= maxAttempts }
}

/// Which failures are worth retrying.
public enum FailureClass: Sendable {
    case retryable
    case fatal

    /// Bad input and undecodable or corrupt data never get better by retrying; I/O, timeouts and
    /// lost connections may.
    public init(_ error: OmnisegError) {
        switch error.code {
        case .badInput, .corrupt, .notFound, .precondition, .wrongType: self = .fatal
        default: self = .retryable
        }
    }
}
