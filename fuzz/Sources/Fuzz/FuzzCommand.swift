import ArgumentParser
import Foundation
import FuzzKit
import OmnisegCore

/// `Fuzz`: seeded mutation fuzzing of every decoder of wire frames, states, partials, shard data and
/// results. A crash writes the input to fuzz-crash.bin and names the target and case.
@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Fuzz",
        abstract: "Mutate valid encodings of every kind's states, partials, shard data and results, and the wire messages; decoders must never crash.",
        discussion: "Case i of a target is a function of (--seed, i): --target NAME --from I --cases 1 runs one case again.")

    @Option(help: "Cases per target.") var cases: Int = 1_000_000
    @Option(help: "The first case.") var from: Int = 0
    @Option(help: "The run's seed.") var seed: UInt64 = 1
    @Option(help: "Only targets whose name contains this.") var target: String?
    @Option(help: "Where to build the small generated retailer the seeds come from.") var work: String = NSTemporaryDirectory() + "omniseg-fuzz"
    @Option(help: "Address-space limit in MiB: a case that allocates more is reported as a crash (0: no limit).") var memoryLimitMib: Int = 8192

    func run() throws {
        CrashReport.install()
        if memoryLimitMib > 0, !CrashReport.limitMemory(bytes: memoryLimitMib << 20) {
            StandardError.write("warning: could not limit the address space to \(memoryLimitMib) MiB\n")
        }
        let targets: [FuzzTarget]
        do throws(OmnisegError) { targets = try FuzzCorpus.targets(in: work) } catch {
            StandardError.write("error: \(error)\n")
            throw ExitCode.failure
        }
        let chosen = targets.filter { target == nil || $0.name.contains(target ?? "") }
        guard !chosen.isEmpty else {
            StandardError.write("error: no target matches '\(target ?? "")' (there are: \(targets.map(\.name).joined(separator: ", ")))\n")
            throw ExitCode.validationFailure
        }
        say("fuzz: \(chosen.count) targets × \(Format.count(cases)) cases, seed \(seed)")
        let start = ContinuousClock.now
        for t in chosen {
            let began = ContinuousClock.now
            FuzzRun.run(t, seed: seed, cases: from..<(from + cases)) { done in
                StandardError.write("  \(t.name): \(Format.count(done)) cases\n")
            }
            let seconds = (ContinuousClock.now - began).inSeconds
            say("\(t.name.rightPadded(28)) \(Format.count(cases)) cases, \(t.seeds.count) seeds, "
                  + "\(Format.fixed(seconds, 1)) s, no crash")
        }
        say("fuzz: all \(chosen.count) targets passed in \(Format.fixed((ContinuousClock.now - start).inSeconds, 1)) s")
    }
}

/// Writes a line to standard output at once (a target's line as it finishes, also into a file).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
