@testable import JobRuntime
@testable import Matching
import OmnisegCore
import Testing

/// The `match` job against a brute-force reference: every record pair is looked at, blocked pairs are
/// kept, and the model and links must come out the same whatever the number of tasks and threads.
@Suite struct MatchJobTests {
    /// Records of `people` people, some with two or three records (typos, swapped names, missing
    /// fields), drawn from small name, postcode and date pools so that blocks collide.
    static func records(people: Int, seed: UInt64) -> (records: [MatchRecord], people: [Int], truth: [Int]) {
        var rng = SplitMix64(seed: seed)
        let firsts = ["anna", "john", "maria", "peter", "liam", "emma", "olivia", "noah", "william", "bill", "sofia", "lucas"]
        let lasts = ["smith", "jones", "lopez", "brown", "miller", "davis", "garcia", "wilson", "moore", "taylor"]
        let streets = ["1 high street", "22 oak road", "5 mill lane", "9 elm avenue", "14 park road"]
        var records: [MatchRecord] = [], exactPerson: [Int] = [], truth: [Int] = []
        for person in 0..<people {
            let first = firsts[rng.below(firsts.count)], last = lasts[rng.below(lasts.count)]
            let date = "19\(50 + rng.below(40))-0\(1 + rng.below(9))-1\(rng.below(9))"
            let postcode = "PC\(rng.below(6))", city = ["york", "leeds", "hull"][rng.below(3)], street = streets[rng.below(streets.count)]
            let copies = 1 + rng.below(3)
            let root = records.count
            for copy in 0..<copies {
                var f = first, l = last
                if copy > 0, rng.below(4) == 0 { f = String(f.dropLast()) + "x" }
                if copy > 0, rng.below(8) == 0 { (f, l) = (l, f) }
                let missing = copy > 0 && rng.below(5) == 0
                records.append(MatchRecord(firstName: f, lastName: l, birthDate: missing ? nil : date, street: street, postcode: missing ? nil : postcode,
                                           city: city))
                // Some copies are already one person by an exact key.
                exactPerson.append(copy > 0 && rng.below(3) == 0 ? root : records.count - 1)
                truth.append(person)
            }
        }
        return (records, exactPerson, truth)
    }

    /// The candidate pairs by definition: two records of different people that share a usable block
    /// (2...maxBlock records) under some rule.
    static func referencePairs(_ records: [MatchRecord], people: [Int], options: MatchOptions) -> [(Int, Int)] {
        var pairs: [(Int, Int)] = []
        var keys: [[UInt64?]] = [], sizes: [[UInt64: Int]] = []
        for rule in ProbabilisticLinker.blockingRules.indices {
            let k = records.map { $0.isComparable ? ProbabilisticLinker.blockingKey(rule, $0) : nil }
            var s: [UInt64: Int] = [:]
            for key in k.compactMap({ $0 }) { s[key, default: 0] += 1 }
            keys.append(k)
            sizes.append(s)
        }
        for i in records.indices {
            for j in (i + 1)..<records.count where people[i] != people[j] {
                let blocked = keys.indices.contains { rule in
                    guard let a = keys[rule][i], a == keys[rule][j] else { return false }
                    return (sizes[rule][a] ?? 0) <= options.maxBlock
                }
                if blocked { pairs.append((i, j)) }
            }
        }
        return pairs
    }

    /// The job run as workers run it: every task from its blob (``ProbabilisticLinker/match`` hands
    /// the tasks of this process the plan's blocks instead).
    static func matchOnBlobs(_ records: [MatchRecord], people: [Int], options: MatchOptions, threads: Int) throws -> MatchResult {
        let plan = MatchPlan(records: records, people: people, options: options)
        let job = MatchJob(options: options)
        let inputs = try plan.taskData.enumerated().map { try TaskInput(index: $0.offset, shard: nil, data: $0.element, as: .blobs) }
        let result = try JobDriver(jobID: "match", kind: job, shardCount: inputs.count, mergeThreads: threads)
            .run(transport: InProcessTransport(kind: job, inputs: inputs, threads: threads), checkpoints: MemoryCheckpoints(),
                 firstState: { plan.state }, progress: { _, _, _ in }, timing: { _ in })
        return try MatchResult(decoding: try job.resultBody(result))
    }

    @Test func theJobFindsExactlyTheBlockedPairsAndTheSameLinksWhateverItsTasksAndThreads() throws {
        let (records, people, truth) = Self.records(people: 700, seed: 5)
        var options = MatchOptions()
        options.maxBlock = 12
        options.randomPairs = 20_000
        let pairs = Self.referencePairs(records, people: people, options: options)
        #expect(pairs.count > 2_000, "the pools make many candidate pairs")

        // The reference model: the same start, EM over the reference pairs' patterns.
        let linker = ProbabilisticLinker(options: options)
        let frequencies = TermFrequencies(records: records, people: people)
        var model = MatchModel(fields: ProbabilisticLinker.fields, u: linker.uFromRandomPairs(records, frequencies: frequencies), frequencies: frequencies)
        if let known = linker.knownMatchShares(records, people: people, frequencies: frequencies) { model.m = known }
        var counts: [ComparisonPattern: Int] = [:]
        for (i, j) in pairs { counts[ProbabilisticLinker.compare(records[i], records[j], frequencies), default: 0] += 1 }
        model.estimate(counts, population: Double(MatchPlan.population(records, people: people)), updatingM: false)
        let expectedLinks = pairs.filter {
            model.probability(ProbabilisticLinker.compare(records[$0.0], records[$0.1], frequencies)) >= options.linkThreshold
        }

        var results: [MatchResult] = []
        for (tasks, threads) in [(1, 1), (3, 2), (16, 2), (64, 1)] {
            options.tasks = tasks
            let result = try ProbabilisticLinker(options: options).match(records, people: people, threads: threads)
            #expect(result.candidates == pairs.count, "\(tasks) tasks compare every blocked pair once")
            #expect(result.model == model, "\(tasks) tasks fit the reference model")
            #expect(Set(result.links.map { "\($0.a)-\($0.b)" }) == Set(expectedLinks.map { "\($0.0)-\($0.1)" }))
            #expect(result.links.allSatisfy { $0.probability >= options.linkThreshold })
            #expect(result.review.allSatisfy { $0.probability >= options.reviewThreshold && $0.probability < options.linkThreshold })
            #expect(result.fingerprint == MatchPlan.fingerprint(records, people: people) && result.records == records.count)
            #expect(try Self.matchOnBlobs(records, people: people, options: options, threads: threads) == result,
                    "\(tasks) tasks from blobs, as on workers, give what the plan's blocks in this process give")
            results.append(result)
        }
        #expect(results.dropFirst().allSatisfy { $0 == results[0] }, "identical results for 1, 3, 16 and 64 tasks")
        #expect(try MatchResult(decoding: results[0].encoded) == results[0], "the result round-trips")
        let correct = results[0].links.filter { truth[$0.a] == truth[$0.b] }.count
        #expect(!results[0].links.isEmpty && Double(correct) / Double(results[0].links.count) > 0.95, "\(correct) of \(results[0].links.count) links are true")
    }

    @Test func workersReceiveNoAddressTextAndBadBlocksAreRefused() throws {
        let (records, people, _) = Self.records(people: 200, seed: 9)
        var options = MatchOptions()
        options.tasks = 2
        let plan = MatchPlan(records: records, people: people, options: options)
        #expect(plan.taskData.count == 2)
        for blob in plan.taskData {
            let text = String(decoding: blob, as: UTF8.self)
            #expect(!text.contains("street") && !text.contains("road") && !text.contains("york") && !text.contains("PC"),
                    "street, city and postcode travel as keys only")
            let blocks = try MatchBlocks(decoding: blob)
            #expect(blocks.records.allSatisfy { $0.street.isEmpty && $0.city.isEmpty && $0.postcode.isEmpty && $0.postcodeKey != 0 || $0.postcodeKey == 0 })
        }
        // A block naming a record past the task's records, and a truncated blob, are refused by name.
        var damaged = plan.taskData[0]
        damaged[damaged.count - 1] = 0xFF
        #expect(throws: OmnisegError.self) { try MatchBlocks(decoding: damaged) }
        #expect(throws: OmnisegError.self) { try MatchBlocks(decoding: Array(plan.taskData[0].dropLast(3))) }
        // The decode kept for the next iteration: the same input again, never a neighbour's for damaged bytes.
        let frequencies = TermFrequencies(records: records, people: people)
        let decoded = try MatchTaskCache.decoded(plan.taskData[0], frequencies: frequencies)
        let (first, table) = (decoded.blocks, decoded.table)
        let repeated = try MatchTaskCache.decoded(plan.taskData[0], frequencies: frequencies)
        let (again, tableAgain) = (repeated.blocks, repeated.table)
        #expect(first.index == again.index && first.records == again.records && table.rows.count == tableAgain.rows.count)
        #expect(table.rows.map(\.lastClass) == MatchRecordTable(first.records, frequencies: frequencies).rows.map(\.lastClass))
        #expect(table.rows.contains { $0.lastClass != 0 }, "names classed by these frequencies")
        #expect(try MatchTaskCache.decoded(plan.taskData[0], frequencies: TermFrequencies()).table.rows.allSatisfy { $0.lastClass == 0 },
                "other frequencies: decoded again, names classed by them")
        #expect(throws: OmnisegError.self) { try MatchTaskCache.decoded(damaged, frequencies: frequencies) }
        let job = MatchJob(options: options)
        #expect(throws: OmnisegError.self, "a state of the wrong iteration's partials") {
            _ = try job.merge(iteration: 1, state: plan.state, partials: [[0, 0, 0, 0]])
        }
        #expect(throws: OmnisegError.self, "an empty state") { _ = try job.merge(iteration: 0, state: [], partials: []) }
    }

    @Test func theScoringPassReadsTheCountedPatternsAndScoresAsAFreshComparisonWould() throws {
        let (records, people, _) = Self.records(people: 400, seed: 21)
        var options = MatchOptions()
        options.tasks = 1
        options.randomPairs = 10_000
        let plan = MatchPlan(records: records, people: people, options: options)
        let job = MatchJob(options: options)
        let blob = plan.taskData[0]
        let input = try TaskInput(index: 0, shard: nil, data: blob, as: .blobs)
        let frequencies = try MatchState(decoding: plan.state).model.frequencies
        MatchTaskCache.removeAll()
        #expect(try MatchTaskCache.decoded(blob, frequencies: frequencies).patterns == nil, "nothing counted yet")
        let counted = try job.execute(input: input, iteration: 0, state: plan.state, cancellation: .never)
        let patterns = try #require(try MatchTaskCache.decoded(blob, frequencies: frequencies).patterns, "the count kept its patterns")
        guard case .iterate(let fitted) = try job.merge(iteration: 0, state: plan.state, partials: [counted]) else {
            Issue.record("counting iterates")
            return
        }
        #expect(UInt64(patterns.count) == (try MatchState(decoding: fitted)).candidates, "one pattern per candidate pair")
        let fromPatterns = try job.execute(input: input, iteration: 1, state: fitted, cancellation: .never)
        MatchTaskCache.removeAll()
        let compared = try job.execute(input: input, iteration: 1, state: fitted, cancellation: .never)
        #expect(try MatchTaskCache.decoded(blob, frequencies: frequencies).patterns == nil, "scored by comparing again")
        #expect(fromPatterns == compared, "the same pairs, patterns and order either way")
        #expect(fromPatterns.count > 4 + 8 + 8 + 16, "some pairs are kept")
    }
}
