import OmnisegCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs a target's cases: case i mutates seed i mod seeds with `Mutator(seed:index: i)`, so a run is
/// repeatable and a crashing case can be run alone again.
public enum FuzzRun {
    /// Runs cases `range` of `target`; `progress` is called every `every` cases with the cases done.
    public static func run(_ target: FuzzTarget, seed: UInt64, cases range: Range<Int>, every: Int = 100_000,
                           progress: (Int) -> Void = { _ in }) {
        for i in range {
            let input = self.input(target, seed: seed, case: i)
            CrashReport.current(target: target.name, case: i, input: input)
            target.run(input, i % target.seeds.count)
            if (i - range.lowerBound + 1) % every == 0 { progress(i - range.lowerBound + 1) }
        }
        CrashReport.clear()
    }

    /// The bytes of case `index`.
    public static func input(_ target: FuzzTarget, seed: UInt64, case index: Int) -> [UInt8] {
        var mutator = Mutator(seed: seed, index: UInt64(index))
        let seeds = target.seeds
        return mutator.mutate(seeds[index % seeds.count], other: seeds[(index / seeds.count) % seeds.count])
    }
}
