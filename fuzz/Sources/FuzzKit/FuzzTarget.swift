/// One decoder under fuzzing: valid inputs to mutate, and the call that must return or throw for any
/// bytes, never trap, hang or exhaust memory.
public struct FuzzTarget: Sendable {
    /// `kind.what`, e.g. `cluster.state`, `wire.task-envelope`.
    public let name: String
    /// Valid encodings, taken from real runs.
    public let seeds: [[UInt8]]
    /// Decodes (and uses) `bytes`, a mutation of `seeds[seed]`; errors are the expected outcome and are ignored.
    public let run: @Sendable (_ bytes: [UInt8], _ seed: Int) -> Void

    public init(name: String, seeds: [[UInt8]], run: @escaping @Sendable (_ bytes: [UInt8], _ seed: Int) -> Void) {
        self.name = name
        self.seeds = seeds.isEmpty ? [[]] : seeds
        self.run = run
    }
}
