#if canImport(Glibc)
import Glibc
#endif

/// What the fuzzer is running, kept where a signal handler can write it out: on a trap (SIGILL,
/// SIGTRAP), SIGSEGV, SIGBUS, SIGFPE or an abort (SIGABRT: a failed allocation under the memory
/// limit) the current target, case and input go to `fuzz-crash.bin` and standard error, and the
/// process dies with the signal.
public enum CrashReport {
    nonisolated(unsafe) private static var header: [UInt8] = []
    nonisolated(unsafe) private static var input: [UInt8] = []

    /// Installs the handlers (once, before fuzzing).
    public static func install() {
        for s in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] { signal(s, handler) }
    }

    /// Caps the process's address space at `bytes`, so a decoder that allocates from a damaged count
    /// fails its allocation (reported as a crash of that case) instead of being killed by the kernel
    /// out of memory, which no handler sees. Returns false when the limit could not be set.
    @discardableResult
    public static func limitMemory(bytes: Int) -> Bool {
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        return setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0
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
