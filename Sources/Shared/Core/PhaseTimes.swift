#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock and CPU time (every thread of the process) spent in named phases of one command, in
/// the order they ran: what `--timings` prints, and what a benchmark reads to time one phase of a
/// run without the process's start-up and the phases around it.
public struct PhaseTimes: Sendable, Equatable {
    /// One phase: its name, wall-clock seconds and CPU seconds (user + system, all threads).
    public struct Phase: Sendable, Equatable {
        public let name: String
        public let wallSeconds: Double
        public let cpuSeconds: Double
    }

    public private(set) var phases: [Phase] = []

    public init() {}

    /// Runs `body` as phase `name`, adding its times.
    public mutating func measure<T, E: Error>(_ name: String, _ body: () throws(E) -> T) throws(E) -> T {
        let wall = ProgressMeter.now(), cpu = Self.processCPU()
        defer { phases.append(Phase(name: name, wallSeconds: ProgressMeter.now() - wall, cpuSeconds: Self.processCPU() - cpu)) }
        return try body()
    }

    /// CPU seconds of phase `name` (summed when it ran more than once), or nil when it did not run.
    public func cpuSeconds(of name: String) -> Double? {
        let matching = phases.filter { $0.name == name }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.cpuSeconds }
    }

    /// One line per phase: `phase NAME: W s wall, C s CPU`.
    public var lines: [String] {
        phases.map { "phase \($0.name): \(Format.fixed(max(0, $0.wallSeconds), 3)) s wall, \(Format.fixed(max(0, $0.cpuSeconds), 3)) s CPU" }
    }

    /// CPU seconds (user + system) every thread of this process has used so far.
    public static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
