import Features
import JobRuntime
import OmnisegCore

/// The `probe` job: reads every shard where the tasks run and checks that the data arrived intact and
/// the same each time. A quick health check of a cluster (every worker can fetch, decode and cache
/// shards) and the lightest task there is, which makes it the queue's benchmark.
///
/// Each task returns the shard's row count and the XXH64 of its rows, column by column. Iteration 0
/// records them; each further iteration (`iterations=N`, default 1) must find exactly the same, or the
/// job fails naming the shard. The result: rows, shards, iterations and one checksum of the whole
/// matrix (the shard checksums combined in shard order).
public struct ProbeJob: JobKind {
    public static let name = "probe"
    public static let codecs = JobCodecs(name)
    public static let iterations = Parameter.integer("iterations", in: 1...1000, default: 1,
                                                     help: "Passes over the data; each after the first must read exactly what the first read.")
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Health check: every task reads its shard and returns its checksum; passes must agree.",
        parameters: ParameterSchema([iterations.spec])) { _, parameters throws(OmnisegError) in try ProbeJob(parameters: parameters) }

    public let iterations: Int

    public init(parameters: JobParameters) throws(OmnisegError) {
        iterations = try parameters.value(Self.iterations)
    }

    public var initialState: [UInt8] { [] }

    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        var checksum = Checksum64()
        for c in 0..<shard.columnCount {
            checksum.update(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: shard.column(c)[0..<shard.rowCount])))
        }
        var writer = WireWriter(capacity: 20)
        writer.u32(UInt32(iteration))
        writer.u64(UInt64(shard.rowCount))
        writer.u64(checksum.digest)
        return writer.bytes
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        var rows: UInt64 = 0
        var sums: [UInt64] = []
        sums.reserveCapacity(partials.count)
        for (shard, partial) in partials.enumerated() {
            var reader = WireReader(partial, what: "probe partial of shard \(shard)")
            let got = try reader.u32()
            guard got == iteration else { throw reader.failure("it is for iteration \(got), not \(iteration)") }
            rows += try reader.tally()
            sums.append(try reader.u64())
            try reader.expectEnd()
        }
        if iteration > 0 {
            let first = try Self.decodeState(state, shards: partials.count)
            if let shard = sums.indices.first(where: { sums[$0] != first[$0] }) {
                throw OmnisegError(.corrupt, "shard \(shard) read differently in iteration \(iteration) than in iteration 0",
                                   context: [("expected", "\(first[shard])"), ("got", "\(sums[shard])")])
            }
        }
        guard iteration + 1 >= iterations else {
            var writer = WireWriter(capacity: 4 + 8 * sums.count)
            writer.count(sums.count)
            for s in sums { writer.u64(s) }
            return .iterate(state: writer.bytes)
        }
        let combined = sums.withUnsafeBytes { Checksum64.of($0) }
        var writer = WireWriter(capacity: 32)
        writer.u64(rows)
        writer.count(partials.count)
        writer.count(iterations)
        writer.u64(combined)
        return .finish(result: writer.bytes)
    }

    /// Iterations, each reading every shard.
    public func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress {
        JobProgress(done: iteration + (tasksDone >= tasksTotal ? 1 : 0), total: iterations, unit: "iterations")
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        var reader = WireReader(result, what: "probe result")
        let rows = try reader.u64()
        let shards = try reader.count(limit: Int(Int32.max))
        let iterations = try reader.count(limit: 1000)
        let checksum = try reader.u64()
        try reader.expectEnd()
        let hex = String(checksum, radix: 16)
        let digest = String(repeating: "0", count: 16 - hex.count) + hex
        if json {
            return JSONText.object([("kind", JSONText.quoted(Self.name)), ("rows", "\(rows)"), ("shards", "\(shards)"),
                                    ("iterations", "\(iterations)"), ("checksum", JSONText.quoted(digest))]) + "\n"
        }
        return "probe: \(Format.count(rows)) rows in \(Format.count(shards)) shards, read \(iterations) time(s), "
            + "identical each time; data checksum \(digest)\n"
    }

    private static func decodeState(_ state: [UInt8], shards: Int) throws(OmnisegError) -> [UInt64] {
        var reader = WireReader(state, what: "probe state")
        let n = try reader.count(limit: Int(Int32.max))
        guard n == shards else { throw reader.failure("state has \(n) shards; the iteration has \(shards)") }
        var sums: [UInt64] = []
        sums.reserveCapacity(n)
        for _ in 0..<n { sums.append(try reader.u64()) }
        try reader.expectEnd()
        return sums
    }
}
