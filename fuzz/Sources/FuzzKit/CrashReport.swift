#if canImport(Glibc)
import Glibc
#endif

/// What the fuzzer is running, kept where a signal handler can write it out: on a trap (SIGILL,
/// SIGTRAP), SIGSEGV, SIGBUS or SIGFPE the current target, case and input go to `fuzz-crash.bin`
/// and standard error, and the process dies with the signal.
public enum CrashReport {
    nonisolated(unsafe) private static var header: [UInt8] = []
    nonisolated(unsafe) private static var input: [UInt8] = []

    /// Installs the handlers (once, before fuzzing).
    public static func install() {
        for s in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE] { signal(s, handler) }
    }

    static func current(target: String, case index: Int, input bytes: [UInt8]) {
        header = Array("fuzz: crash in \(target) case \(index) (\(bytes.count) bytes); input written to fuzz-crash.bin\n".utf8)
        input = bytes
    }

    static func clear() {
        header = []
        input = []
    }

    private static let handler: @convention(c) (Int32) -> Void = { signal in
        // Only async-signal-safe calls: write(2), open(2), _exit via re-raise.
        header.withUnsafeBufferPointer { if let base = $0.baseAddress { _ = write(2, base, $0.count) } }
        let fd = open("fuzz-crash.bin", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            input.withUnsafeBufferPointer { if let base = $0.baseAddress { _ = write(fd, base, $0.count) } }
            close(fd)
        }
        Glibc.signal(signal, SIG_DFL)
        raise(signal)
    }
}
