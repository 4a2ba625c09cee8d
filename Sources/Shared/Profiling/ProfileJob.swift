import Features
import JobRuntime
import OmnisegCore

/// The `profile` job: per-feature statistics of the feature matrix in two iterations.
///
/// Iteration 0: per shard and column, moments (count, mean, variance), min, max and a quantile
/// sketch. Iteration 1: a fixed-width histogram of every column between the merged min and max.
/// Both merge in shard order, so the profile is bit-identical however the shards were spread.
public struct ProfileJob: JobKind {
    public static let name = "profile"
    public static let codecs = JobCodecs(name)
    public static let bins = Parameter.integer("bins", in: 2...1000, default: 20, help: "Histogram bins per feature.")
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Per-feature statistics: moments, min, max, quantiles and a histogram.",
        parameters: ParameterSchema([bins.spec])) { columns, parameters throws(OmnisegError) in
        try ProfileJob(columnNames: columns, parameters: parameters)
    }

    public let columnNames: [String]
    public let bins: Int

    public init(columnNames: [String], parameters: JobParameters) throws(OmnisegError) {
        self.columnNames = columnNames
        self.bins = try parameters.value(Self.bins)
    }

    public var initialState: [UInt8] { [] }

    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        guard shard.columnCount == columnNames.count else {
            throw OmnisegError(.badInput, "shard has \(shard.columnCount) columns; the job expects \(columnNames.count)",
                               context: [("row_start", "\(shard.rowStart)")])
        }
        var writer = WireWriter(capacity: 4096)
        writer.u32(UInt32(iteration))
        writer.count(shard.columnCount)
        switch iteration {
        case 0:
            for c in 0..<shard.columnCount {
                try cancellation.check()
                let values = UnsafeBufferPointer(rebasing: shard.column(c)[0..<shard.rowCount])
                ColumnMoments(values).encode(into: &writer)
                var sketch = QuantileSketch()
                sketch.add(values)
                sketch.encode(into: &writer)
            }
        case 1:
            let ranges = try Self.decodeRanges(state, columns: shard.columnCount)
            for c in 0..<shard.columnCount {
                try cancellation.check()
                let values = UnsafeBufferPointer(rebasing: shard.column(c)[0..<shard.rowCount])
                let counts = Histogram.counts(values, lower: ranges[c].lower, upper: ranges[c].upper, bins: bins)
                for n in counts { writer.u64(n) }
            }
        default:
            throw OmnisegError(.badInput, "the profile job has iterations 0 and 1; got \(iteration)")
        }
        return writer.bytes
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        switch iteration {
        case 0:
            var moments = Array(repeating: ColumnMoments(), count: columnNames.count)
            var sketches = Array(repeating: QuantileSketch(), count: columnNames.count)
            for (shard, partial) in partials.enumerated() {
                var reader = try header(partial, iteration: 0, shard: shard)
                for c in 0..<columnNames.count {
                    moments[c].merge(try ColumnMoments.decode(from: &reader))
                    sketches[c].merge(try QuantileSketch.decode(from: &reader))
                }
                try reader.expectEnd()
            }
            // The next state carries everything the result needs, so iteration 1 is self-contained.
            var writer = WireWriter()
            writer.count(columnNames.count)
            for c in 0..<columnNames.count {
                moments[c].encode(into: &writer)
                sketches[c].encode(into: &writer)
            }
            return .iterate(state: writer.bytes)
        case 1:
            var reader = WireReader(state, what: "profile state")
            let columns = try reader.count(limit: 100_000)
            guard columns == columnNames.count else { throw reader.failure("state has \(columns) columns; the job has \(columnNames.count)") }
            var profile = DatasetProfile(bins: bins, columns: [])
            var histograms = Array(repeating: Array(repeating: UInt64(0), count: bins), count: columns)
            for (shard, partial) in partials.enumerated() {
                var partialReader = try header(partial, iteration: 1, shard: shard)
                for c in 0..<columns {
                    for b in 0..<bins { histograms[c][b] += try partialReader.tally() }
                }
                try partialReader.expectEnd()
            }
            for c in 0..<columns {
                let moments = try ColumnMoments.decode(from: &reader)
                let sketch = try QuantileSketch.decode(from: &reader)
                profile.columns.append(DatasetProfile.Column(
                    name: columnNames[c], moments: moments,
                    quantiles: DatasetProfile.quantileLevels.map { level in
                        Swift.min(Double(moments.max), Swift.max(Double(moments.min), sketch.quantile(level) ?? 0))
                    },
                    histogram: histograms[c]))
            }
            return .finish(result: profile.encoded)
        default:
            throw OmnisegError(.badInput, "the profile job has iterations 0 and 1; got \(iteration)")
        }
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let profile = try DatasetProfile(decoding: result)
        return json ? profile.json : profile.table
    }

    private func header(_ partial: [UInt8], iteration: Int, shard: Int) throws(OmnisegError) -> WireReader {
        var reader = WireReader(partial, what: "profile partial of shard \(shard)")
        let got = try reader.u32()
        guard got == iteration else { throw reader.failure("it is for iteration \(got), not \(iteration)") }
        let columns = try reader.count(limit: 100_000)
        guard columns == columnNames.count else { throw reader.failure("it has \(columns) columns; the job has \(columnNames.count)") }
        return reader
    }

    /// Iteration 1's histogram range per column, read from the merged iteration-0 state.
    private static func decodeRanges(_ state: [UInt8], columns: Int) throws(OmnisegError) -> [(lower: Float, upper: Float)] {
        var reader = WireReader(state, what: "profile state")
        let n = try reader.count(limit: 100_000)
        guard n == columns else { throw reader.failure("state has \(n) columns; the shard has \(columns)") }
        var ranges: [(lower: Float, upper: Float)] = []
        for _ in 0..<n {
            let moments = try ColumnMoments.decode(from: &reader)
            _ = try QuantileSketch.decode(from: &reader)
            ranges.append((moments.min, moments.max))
        }
        return ranges
    }
}

/// Fixed-width histograms.
enum Histogram {
    /// Counts of `values` in `bins` equal-width bins over [lower, upper]; the top edge falls in the last bin.
    static func counts(_ values: UnsafeBufferPointer<Float>, lower: Float, upper: Float, bins: Int) -> [UInt64] {
        var counts = Array(repeating: UInt64(0), count: bins)
        let width = (Double(upper) - Double(lower)) / Double(bins)
        guard width > 0, width.isFinite else {
            counts[0] = UInt64(values.count)
            return counts
        }
        for v in values {
            let position = (Double(v) - Double(lower)) / width
            // Clamped as a Double first: a value far outside the range (a damaged state's range) stays convertible.
            let bin = position.isFinite ? Int(Swift.min(Double(bins - 1), Swift.max(0, position))) : 0
            counts[bin] += 1
        }
        return counts
    }
}
