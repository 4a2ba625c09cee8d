import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The signal that asked this process to stop (SIGTERM or SIGINT), or 0. Set from a signal handler.
private let receivedSignal = Atomic<Int32>(0)

/// Graceful shutdown for the long-running services: SIGTERM and SIGINT set a flag the service polls.
public enum ShutdownSignal {
    /// Installs the handlers (async-signal-safe: they only store the signal number).
    /// They are also unblocked: a parent that spawned us from a thread blocking them (Dispatch
    /// worker threads do) passes that mask on, and SIGTERM would never arrive.
    public static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGTERM) { receivedSignal.store($0, ordering: .relaxed) }
        signal(SIGINT) { receivedSignal.store($0, ordering: .relaxed) }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Whether a stop was requested.
    public static var requested: Bool { receivedSignal.load(ordering: .relaxed) != 0 }

    /// The signal's name, for the log.
    public static var name: String {
        switch receivedSignal.load(ordering: .relaxed) {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        default: return "none"
        }
    }
}
