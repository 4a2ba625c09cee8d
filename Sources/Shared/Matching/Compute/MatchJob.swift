import JobRuntime
import OmnisegCore

/// The `match` job: probabilistic record matching (Fellegi–Sunter) over record blocks, on the
/// workers or embedded.
///
/// Where the workspace is, ``MatchPlan`` blocks the records the exact keys left apart and cuts the
/// blocks into tasks (``MatchBlocks`` blobs: names, birth dates and address keys, never contacts).
/// Iteration 0: each task counts the comparison patterns of its candidate pairs; the merge adds the
/// counts (integers, in task order) and runs EM on them. Iteration 1: each task scores its pairs with
/// the fitted model and returns those at or above the review threshold; the merge sorts them into
/// links and the review band (``MatchResult``). A plan given a model fitted earlier (the one the
/// workspace keeps) starts at the scoring pass, in iteration 0. Nothing depends on the number of tasks or workers.
/// `omniseg resolve --probabilistic` applies the result (and runs this job on the workers with `--redis`).
public struct MatchJob: JobKind {
    public static let name = "match"
    public static let codecs = JobCodecs(name)
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Probabilistic record matching (Fellegi–Sunter) over record blocks; omniseg resolve --probabilistic applies it.",
        input: .blobs, parameters: MatchParameters.schema) { _, parameters throws(OmnisegError) in
        try MatchJob(parameters: parameters)
    }

    public let options: MatchOptions
    /// The exact rules' options (the workspace side links records on them before matching).
    public let maxRecordsPerKey: Int
    public let phoneCountry: String
    /// The tasks of a plan made in this process, when the job runs here: they are read from it, not
    /// from their blobs (which are then empty).
    let local: LocalMatchTasks?

    public init(options: MatchOptions = MatchOptions(), maxRecordsPerKey: Int = 8, phoneCountry: String = "1") {
        self.init(options: options, maxRecordsPerKey: maxRecordsPerKey, phoneCountry: phoneCountry, local: nil)
    }

    init(options: MatchOptions, maxRecordsPerKey: Int = 8, phoneCountry: String = "1", local: LocalMatchTasks?) {
        self.options = options
        self.maxRecordsPerKey = maxRecordsPerKey
        self.phoneCountry = phoneCountry
        self.local = local
    }

    public init(parameters: JobParameters) throws(OmnisegError) {
        self.init(options: try MatchOptions(parameters: parameters), maxRecordsPerKey: try parameters.value(MatchParameters.maxRecordsPerKey),
                  phoneCountry: try MatchParameters.phoneCountryCode(parameters))
    }

    public var inputs: TaskInputSpec { .blobs }
    /// A match job starts from the state its plan makes where the records are; an empty state is refused.
    public var initialState: [UInt8] { [] }

    public func execute(input: TaskInput, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        guard case .blob(let task, let bytes) = input else { throw OmnisegError(.corrupt, "match tasks read record blocks") }
        let state = try MatchState(decoding: state)
        let frequencies = state.model.frequencies
        let decoded: MatchTaskCache.Decoded
        if let local {
            decoded = try local.decoded(task, frequencies: frequencies)
        } else {
            decoded = try MatchTaskCache.decoded(bytes, frequencies: frequencies)
        }
        let (blocks, table) = (decoded.blocks, decoded.table)
        var writer = WireWriter(capacity: 4096)
        writer.u32(UInt32(iteration))
        switch try Self.phase(iteration, state) {
        case .counting:
            var counts = PatternCounts()
            // Kept for the scoring pass, which then looks the patterns up instead of comparing again.
            var patterns: [ComparisonPattern] = []
            try table.withView { view throws(OmnisegError) in
                try blocks.forEachCandidate(cancellation: cancellation) { i, j in
                    let pattern = view.compare(i, j)
                    counts.add(pattern)
                    patterns.append(pattern)
                }
            }
            if let local {
                local.remember(patterns, of: task)
            } else {
                MatchTaskCache.remember(patterns, of: decoded, bytes: bytes, frequencies: frequencies)
            }
            let counted = counts.counted
            writer.u64(UInt64(patterns.count))
            writer.count(counted.count)
            for (pattern, n) in counted {
                writer.u64(pattern.bits)
                writer.u64(n)
            }
        case .scoring:
            var probabilities = PatternProbabilities(state.model)
            var kept: [(a: UInt32, b: UInt32, pattern: UInt64)] = []
            var pairs: UInt64 = 0
            if let patterns = decoded.patterns {
                try blocks.forEachCandidate(cancellation: cancellation) { i, j in
                    defer { pairs += 1 }
                    guard pairs < UInt64(patterns.count) else { return }
                    let pattern = patterns[Int(pairs)]
                    if probabilities.probability(pattern) >= state.reviewThreshold { kept.append((blocks.index[i], blocks.index[j], pattern.bits)) }
                }
                guard pairs == UInt64(patterns.count) else {
                    throw OmnisegError(.corrupt, "a match task has \(pairs) pairs to score but counted \(patterns.count)")
                }
            } else {
                try table.withView { view throws(OmnisegError) in
                    try blocks.forEachCandidate(cancellation: cancellation) { i, j in
                        pairs += 1
                        let pattern = view.compare(i, j)
                        if probabilities.probability(pattern) >= state.reviewThreshold { kept.append((blocks.index[i], blocks.index[j], pattern.bits)) }
                    }
                }
            }
            writer.u64(pairs)
            writer.count(kept.count)
            for k in kept {
                writer.u32(k.a)
                writer.u32(k.b)
                writer.u64(k.pattern)
            }
        }
        return writer.bytes
    }

    public func merge(iteration: Int, state bytes: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        var state = try MatchState(decoding: bytes)
        switch try Self.phase(iteration, state) {
        case .counting:
            var counts = PatternCounts()
            for (task, partial) in partials.enumerated() {
                var reader = try Self.reader(partial, task: task, iteration: iteration)
                let taskPairs = try reader.tally()
                let n = try reader.count(limit: PatternCounts.size)
                var sum: UInt64 = 0
                for _ in 0..<n {
                    guard let pattern = ComparisonPattern(bits: try reader.u64(), fields: ProbabilisticLinker.fields) else {
                        throw reader.failure("a comparison pattern of levels this build does not have")
                    }
                    let count = try reader.tally()
                    sum += count
                    counts.add(pattern, count: count)
                }
                guard sum == taskPairs else { throw reader.failure("its pattern counts add up to \(sum), not its \(taskPairs) pairs") }
                try reader.expectEnd()
            }
            state.candidates = counts.total
            state.model.estimate(counts.dictionary, population: Double(max(state.population, counts.total)), updatingM: state.estimateM)
            state.fitted = true
            return .iterate(state: state.encoded)
        case .scoring:
            var probabilities = PatternProbabilities(state.model)
            var pairs: [ProbabilisticLinker.Scored] = []
            var scored: UInt64 = 0
            for (task, partial) in partials.enumerated() {
                var reader = try Self.reader(partial, task: task, iteration: iteration)
                let (sum, overflow) = scored.addingReportingOverflow(try reader.tally())
                guard !overflow else { throw reader.failure("its pair count overflows the job's") }
                scored = sum
                let n = try reader.count(limit: reader.remaining / 16)
                for _ in 0..<n {
                    let a = Int(try reader.u32()), b = Int(try reader.u32())
                    guard a < b, b < state.records else { throw reader.failure("pair (\(a), \(b)) is not two of the \(state.records) records in order") }
                    guard let pattern = ComparisonPattern(bits: try reader.u64(), fields: ProbabilisticLinker.fields) else {
                        throw reader.failure("a comparison pattern of levels this build does not have")
                    }
                    pairs.append(ProbabilisticLinker.Scored(a: a, b: b, pattern: pattern, probability: probabilities.probability(pattern)))
                }
                try reader.expectEnd()
            }
            // Counted when EM ran; else (a model fitted earlier) this pass is the count.
            guard iteration == 0 || scored == state.candidates else {
                throw OmnisegError(.corrupt, "the match tasks scored \(scored) pairs but counted \(state.candidates)")
            }
            state.candidates = scored
            return .finish(result: MatchResult(state: state, scored: pairs).encoded)
        }
    }

    /// What the tasks of an iteration do: count patterns for EM, or score pairs with a fitted model.
    enum Phase { case counting, scoring }

    /// The phase of `iteration` from `state`: counting at iteration 0 unless the model came fitted,
    /// scoring after; refuses an iteration the job never reaches.
    static func phase(_ iteration: Int, _ state: MatchState) throws(OmnisegError) -> Phase {
        switch (iteration, state.fitted) {
        case (0, false): return .counting
        case (0, true), (1, true): return .scoring
        default: throw OmnisegError(.corrupt, "a match job has no iteration \(iteration) with a model \(state.fitted ? "fitted" : "not yet fitted")")
        }
    }

    /// A reader of task `task`'s partial, past its iteration number (checked).
    static func reader(_ partial: [UInt8], task: Int, iteration: Int) throws(OmnisegError) -> WireReader {
        var reader = WireReader(partial, what: "match partial of task \(task)")
        let written = try reader.u32()
        guard written == UInt32(iteration) else { throw reader.failure("it is of iteration \(written), not \(iteration)") }
        return reader
    }

    /// Iteration 0 compares the pairs, iteration 1 scores them: record blocks either way.
    public func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress {
        JobProgress(done: iteration * tasksTotal + tasksDone, total: 2 * tasksTotal, unit: "record blocks")
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        try MatchResult(decoding: result).render(json: json)
    }
}
