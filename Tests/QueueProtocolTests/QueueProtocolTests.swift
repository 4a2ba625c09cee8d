@testable import Clustering
@testable import Features
import Foundation
@testable import JobRuntime
@testable import OmnisegCore
@testable import Profiling
@testable import QueueProtocol
@testable import RedisClient
@testable import TestSupport
import Testing
@testable import Workspace
@testable import WorkspaceJobs

@Suite struct WireFormatTests {
    private func sampleEnvelope() -> TaskEnvelope {
        let features = TaskInputDescriptor.FeatureShardReference(rowStart: 196_608, rowCount: 100, columnCount: 2, columnStride: 112,
                                                                 blob: BlobReference(digest: 0xDEAD_BEEF, byteCount: 112 * 2 * 4, chunkBytes: 1 << 20))
        let task = TaskInputDescriptor(index: 3, features: features, data: nil)
        return TaskEnvelope(jobID: "J7", kind: "profile", iteration: 2, attempt: 1, task: task, state: BlobReference(text: "1f2e3d-5000-1048576")!, context: 0xfeed)
    }

    @Test func taskEnvelopeRoundTrips() throws {
        let envelope = sampleEnvelope()
        #expect(try TaskEnvelope(decoding: envelope.encoded) == envelope)
        #expect(envelope.taskID == "J7:2:3")
        #expect(envelope.nextAttempt().attempt == 2)
        var withData = envelope
        withData.task.data = BlobReference(digest: 0xFEED, byteCount: 4_321, chunkBytes: 1 << 20)
        #expect(try TaskEnvelope(decoding: withData.encoded) == withData)
        #expect(try TaskEnvelope(decoding: withData.encoded) != envelope)
        var dataOnly = withData
        dataOnly.task.features = nil
        #expect(try TaskEnvelope(decoding: dataOnly.encoded) == dataOnly, "a blob or table task carries only its data")
    }

    @Test func aSmallStateTravelsInsideTheTaskMessageAndMustBeTheStateItNames() throws {
        let state = (0..<5_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let reference = state.withUnsafeBytes { BlobStore.reference(for: $0) }
        var envelope = sampleEnvelope()
        envelope.state = reference
        let inline = TaskEnvelope(jobID: envelope.jobID, kind: envelope.kind, iteration: 2, attempt: 1, task: envelope.task,
                                  state: reference, context: envelope.context, inlineState: state)
        #expect(try TaskEnvelope(decoding: inline.encoded) == inline)
        #expect(try TaskEnvelope(decoding: inline.encoded).inlineState == state)
        #expect(try TaskEnvelope(decoding: envelope.encoded).inlineState == nil, "without it, the worker fetches the blob")

        let big = [UInt8](repeating: 1, count: TaskEnvelope.inlineStateLimit + 1)
        #expect(TaskEnvelope(jobID: "J", kind: "k", iteration: 0, attempt: 1, task: envelope.task, state: reference, context: 0, inlineState: big).inlineState == nil,
                "a state over the limit stays a blob")

        var other = state
        other[17] ^= 1
        let mismatched = TaskEnvelope(jobID: envelope.jobID, kind: envelope.kind, iteration: 2, attempt: 1, task: envelope.task,
                                      state: reference, context: envelope.context, inlineState: other)
        #expect { try TaskEnvelope(decoding: mismatched.encoded) } throws: { ($0 as? OmnisegError)?.message.contains("is not the state") ?? false }

        // A version 2 frame (from the release before inline states) has no presence flag and still decodes.
        let payload = try WireFrame.decode(envelope.encoded, expecting: .task).payload.dropLast()
        var old = WireFrame(.task, payload: Array(payload)).encoded
        old[4] = 2
        let sum = old[0..<(old.count - 8)].withUnsafeBytes { Checksum64.of($0) }
        old.replaceSubrange((old.count - 8)..., with: withUnsafeBytes(of: sum.littleEndian, Array.init))
        #expect(try TaskEnvelope(decoding: old) == envelope)
    }

    @Test func aPlanRefusesTasksThatDoNotFitItsInputKind() throws {
        let data = BlobReference(digest: 0xFEED, byteCount: 4_321, chunkBytes: 1 << 20)
        let tasks = [TaskInputDescriptor(index: 0, features: nil, data: data), TaskInputDescriptor(index: 1, features: nil, data: data)]
        let plan = try JobPlan(input: .tablePartitions, featureSetID: nil, columnNames: [], tasks: tasks)
        #expect(try JobPlan(decoding: plan.encoded) == plan)
        #expect(throws: OmnisegError.self, "feature-set jobs need shards") {
            try JobPlan(input: .featureShards, featureSetID: 1, columnNames: [], tasks: tasks)
        }
        #expect(throws: OmnisegError.self, "table jobs take no feature set") {
            try JobPlan(input: .blobs, featureSetID: 1, columnNames: [], tasks: tasks)
        }
        #expect(throws: OmnisegError.self, "tasks in order") {
            try JobPlan(input: .blobs, featureSetID: nil, columnNames: [], tasks: tasks.reversed())
        }
    }

    @Test func unknownVersionIsRefusedWithAClearError() throws {
        var bytes = sampleEnvelope().encoded
        bytes[4] = 9 // version 9
        #expect { try TaskEnvelope(decoding: bytes) } throws: { error in
            let e = error as? OmnisegError
            return e?.code == .corrupt && (e?.message.contains("wire format version 9 is not understood") ?? false)
        }
    }

    @Test func damagedTruncatedOrOversizedFramesAreRefused() throws {
        let good = sampleEnvelope().encoded
        var flipped = good
        flipped[20] ^= 0x40
        #expect(throws: OmnisegError.self) { try TaskEnvelope(decoding: flipped) }
        #expect(throws: OmnisegError.self) { try TaskEnvelope(decoding: Array(good.dropLast(3))) }
        #expect(throws: OmnisegError.self) { try TaskEnvelope(decoding: []) }
        let huge = WireFrame(.task, payload: Array(repeating: 1, count: WireFrame.MessageType.task.payloadLimit + 1)).encoded
        #expect { try TaskEnvelope(decoding: huge) } throws: { ($0 as? OmnisegError)?.message.contains("exceeds the limit") ?? false }
        // A frame of another type is not taken for a task.
        #expect(throws: OmnisegError.self) { try TaskEnvelope(decoding: WireFrame(.partial, payload: []).encoded) }
    }

    @Test func randomBytesNeverCrashTheDecoders() {
        var rng = SplitMix64(seed: 99)
        let good = sampleEnvelope().encoded
        for i in 0..<2000 {
            var bytes = i % 2 == 0 ? good : (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if i % 2 == 0 { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? TaskEnvelope(decoding: bytes)
            _ = try? JobSpec(decoding: bytes)
            _ = try? JobPlan(decoding: bytes)
            _ = try? DatasetProfile(decoding: bytes)
        }
    }

    @Test func jobSpecAndPlanRoundTrip() throws {
        let spec = JobSpec(id: "J1", kind: "profile", workspaceID: "ws", parameters: JobParameters(["bins": "10"]), submittedAt: 1_700_000_000)
        #expect(try JobSpec(decoding: spec.encoded) == spec)
        let plan = try JobPlan(input: .featureShards, featureSetID: 4, columnNames: ["a", "b"], tasks: [TaskInputDescriptor(index: 0, features: sampleEnvelope().task.features, data: nil)])
        #expect(try JobPlan(decoding: plan.encoded) == plan)
    }
}

@Suite struct RedisEndpointTests {
    /// A server still loading its data is not up yet (connections retry within their wait), while
    /// refused credentials and other errors are not retried.
    @Test func loadingIsUnavailableAndOtherServerErrorsAreNot() throws {
        let e = try RedisEndpoint(url: "redis://127.0.0.1:6379/0")
        #expect(RedisConnection.serverError("LOADING Redis is loading the dataset in memory", command: "PING", endpoint: e).code == .unavailable)
        #expect(RedisConnection.serverError("WRONGPASS invalid username-password pair", command: "AUTH", endpoint: e).code == .authFailed)
        #expect(RedisConnection.serverError("ERR unknown command", command: "FOO", endpoint: e).code == .redis)
    }

    @Test func parsesUserPasswordHostPortAndDatabase() throws {
        let e = try RedisEndpoint(url: "redis://omni:s%40cret@10.0.0.5:6380/2")
        #expect(e == RedisEndpoint(host: "10.0.0.5", port: 6380, user: "omni", password: "s@cret", database: 2))
        #expect(e.description == "redis://omni:***@10.0.0.5:6380/2")
        #expect(try RedisEndpoint(url: "redis://:pw@h") == RedisEndpoint(host: "h", port: 6379, password: "pw"))
        #expect(try RedisEndpoint(url: "redis://localhost") == RedisEndpoint(host: "localhost"))
    }

    @Test func badURLsNameWhatIsWrong() {
        #expect { try RedisEndpoint(url: "http://x") } throws: { ($0 as? OmnisegError)?.message.contains("starts with redis://") ?? false }
        #expect { try RedisEndpoint(url: "redis://h:99999") } throws: { ($0 as? OmnisegError)?.message.contains("port") ?? false }
        #expect { try RedisEndpoint(url: "redis://h:1/x") } throws: { ($0 as? OmnisegError)?.message.contains("database") ?? false }
        #expect { try RedisEndpoint(url: "redis://u:secret@:1") } throws: { error in
            let text = "\(error)"
            return text.contains("names a host") && !text.contains("secret")
        }
    }
}

@Suite struct SchedulingTests {
    @Test func windowIsSharedFairlyBetweenJobs() {
        // Two jobs with plenty of work split 8 slots evenly.
        #expect(DispatchWindow.grants(capacity: 8, inFlight: [0, 0], wanting: [100, 100]) == [4, 4])
        // A job that needs little leaves its share to the other.
        #expect(DispatchWindow.grants(capacity: 8, inFlight: [0, 0], wanting: [1, 100]) == [1, 7])
        // A full window grants nothing (backpressure).
        #expect(DispatchWindow.grants(capacity: 8, inFlight: [5, 3], wanting: [10, 10]) == [0, 0])
        // A job holding more than its share does not starve a newcomer.
        #expect(DispatchWindow.grants(capacity: 8, inFlight: [6, 0], wanting: [10, 10]) == [0, 2])
        // In rows: eight default shards per slot; tiny shards count for at least 1/32 of a slot.
        #expect(DispatchWindow.capacity(liveSlots: 3) == 3 * 524_288)
        #expect(DispatchWindow.capacity(liveSlots: 0) == 524_288)
        #expect(DispatchWindow.taskCost(rowsPerShard: 16) == 16_384 && DispatchWindow.taskCost(rowsPerShard: 65_536) == 65_536)
        let slots = DispatchWindow.capacity(liveSlots: 2)
        #expect(DispatchWindow.grants(capacity: slots, inFlight: [0], wanting: [1000], cost: [16_384]) == [64], "tiny tasks: 32 per slot")
        #expect(DispatchWindow.grants(capacity: slots, inFlight: [0], wanting: [1000], cost: [65_536]) == [16], "default shards: 8 per slot")
        #expect(DispatchWindow.grants(capacity: slots, inFlight: [0, 0], wanting: [1000, 1000], cost: [16_384, 65_536]) == [32, 8],
                "two jobs split the rows in flight, not the task count")
        #expect(DispatchWindow.grants(capacity: slots, inFlight: [0], wanting: [5], cost: [5_000_000]) == [1],
                "a task larger than the window still runs, one at a time")
        #expect(DispatchWindow.grants(capacity: slots, inFlight: [1], wanting: [5], cost: [5_000_000]) == [0])
    }

    @Test func shardsKeepTheirWorkerAndOnlyALeaversShardsMove() {
        let workers = ["a", "b", "c"]
        let shards = (0..<300).map { "shard-\($0)" }
        let before = shards.map { DispatchWindow.preferredWorker(forShard: $0, among: workers) }
        let after = shards.map { DispatchWindow.preferredWorker(forShard: $0, among: ["a", "c"]) }
        for (b, a) in zip(before, after) where b != "b" { #expect(a == b) }
        let counts = Dictionary(grouping: before.compactMap { $0 }, by: { $0 }).mapValues(\.count)
        #expect(counts.values.allSatisfy { $0 > 60 }, "rendezvous hashing spreads shards: \(counts)")
        #expect(DispatchWindow.preferredWorker(forShard: "x", among: []) == nil)
    }

    @Test func balancedRoutesGiveNoWorkerMoreThanItsShareAndStayPut() {
        // Plain rendezvous can put every shard of a small set on one worker; bounded loads cannot.
        for n in [1, 2, 3, 4, 5, 17, 300] {
            for workers in [["a"], ["a", "b"], ["a", "b", "c"]] {
                let keys = (0..<n).map { "blob:\($0)" }
                let owners = DispatchWindow.assignment(shards: keys, among: workers)
                let cap = (n + workers.count - 1) / workers.count
                let load = Dictionary(grouping: owners.compactMap { $0 }, by: { $0 }).mapValues(\.count)
                #expect(owners.allSatisfy { $0 != nil } && load.values.allSatisfy { $0 <= cap }, "\(n) shards on \(workers): \(load)")
                #expect(DispatchWindow.assignment(shards: keys, among: workers) == owners, "the same workers, the same routes")
            }
        }
        let keys = (0..<300).map { "blob:\($0)" }
        let before = DispatchWindow.assignment(shards: keys, among: ["a", "b", "c"])
        let after = DispatchWindow.assignment(shards: keys, among: ["a", "c"])
        let stayed = zip(before, after).filter { $0.0 != "b" }
        let moved = stayed.filter { $0.0 != $0.1 }.count
        #expect(moved * 5 < stayed.count, "when b leaves, most shards of a and c stay: \(moved) of \(stayed.count) moved")
        #expect(DispatchWindow.assignment(shards: ["x"], among: []) == [nil])
    }

    @Test func dispatchOrderTakesTheWorkersInTurn() {
        // Shards 0-3 are a's, 4-7 b's (as bounded loads can route them): in shard order a window of
        // four tasks would all be a's.
        let owners: [String?] = ["a", "a", "a", "a", "b", "b", "b", "b", nil]
        #expect(DispatchWindow.interleaved(Array(0..<9), owners: owners) == [0, 4, 8, 1, 5, 2, 6, 3, 7])
        #expect(DispatchWindow.interleaved([2, 3, 7], owners: owners) == [2, 7, 3], "what is left, still in turns")
        #expect(DispatchWindow.interleaved([], owners: owners).isEmpty)
        for n in [1, 5, 16, 33] {
            let keys = (0..<n).map { "blob:\($0)" }
            let routes = DispatchWindow.assignment(shards: keys, among: ["a", "b", "c"])
            let order = DispatchWindow.interleaved(Array(0..<n), owners: routes)
            #expect(order.sorted() == Array(0..<n), "every shard once")
            // The first window of one task per worker goes to every worker.
            let window = Array(order.prefix(3)).compactMap { routes[$0] }
            #expect(Set(window).count == min(3, Set(routes.compactMap { $0 }).count), "\(n) shards: the first window spans the workers")
        }
    }

    @Test func backoffGrowsWithJitterAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        #expect(policy.backoff(afterAttempt: 1, jitter: 1) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 1, jitter: 0) == .milliseconds(50))
        #expect(policy.backoff(afterAttempt: 3, jitter: 1) == .milliseconds(400))
        #expect(policy.backoff(afterAttempt: 20, jitter: 1) == .seconds(1))
        #expect(!policy.isExhausted(afterAttempt: 2, fatal: false))
        #expect(policy.isExhausted(afterAttempt: 3, fatal: false))
        #expect(policy.isExhausted(afterAttempt: 1, fatal: true))
        #expect(FailureClass(OmnisegError(.corrupt, "x")) == .fatal)
        #expect(FailureClass(OmnisegError(.unavailable, "x")) == .retryable)
    }

    @Test func shardCacheEvictsLeastRecentlyUsedWithinItsBudget() throws {
        let shard = FeatureShard(rowStart: 0, rowCount: 16, columnCount: 1) // 64 bytes
        let cache = ShardCache(budgetBytes: 128)
        func ref(_ n: UInt64) -> BlobReference { BlobReference(digest: n, byteCount: 64, chunkBytes: 4096) }
        var loads = 0
        func get(_ n: UInt64) throws { _ = try cache.value(for: ref(n)) { loads += 1; return shard } }
        try get(1); try get(2); try get(1) // 1 is now more recent than 2
        try get(3)                          // evicts 2
        #expect(cache.contains(ref(1)) && cache.contains(ref(3)) && !cache.contains(ref(2)))
        #expect(loads == 3)
        #expect(cache.statistics.bytes == 128)
    }
}

@Suite struct ProfileStatisticsTests {
    private func shard(_ values: [[Float]], rowStart: Int = 0) -> FeatureShard {
        let s = FeatureShard(rowStart: rowStart, rowCount: values[0].count, columnCount: values.count)
        for (c, column) in values.enumerated() {
            let out = s.mutableColumn(c)
            for (i, v) in column.enumerated() { out[i] = v }
        }
        return s
    }

    @Test func mergedMomentsMatchTheWholeColumn() {
        var rng = SplitMix64(seed: 5)
        let values = (0..<10_000).map { _ in Float(rng.next() % 100_000) / 100 - 200 }
        let whole = values.withUnsafeBufferPointer { ColumnMoments($0) }
        var merged = ColumnMoments()
        for chunk in stride(from: 0, to: values.count, by: 777) {
            values[chunk..<min(values.count, chunk + 777)].withUnsafeBufferPointer { merged.merge(ColumnMoments($0)) }
        }
        #expect(merged.count == whole.count)
        #expect(abs(merged.mean - whole.mean) < 1e-9 * max(1, abs(whole.mean)))
        #expect(abs(merged.variance - whole.variance) < 1e-9 * whole.variance)
        #expect(merged.min == whole.min && merged.max == whole.max)
    }

    @Test func sketchQuantilesAreWithinOnePercentAndMergeOrderDoesNotMatter() {
        var rng = SplitMix64(seed: 11)
        let values = (0..<20_000).map { _ in Float(Double(rng.next() % 1_000_000) / 1000 - 100) }
        let sorted = values.sorted()
        var parts: [QuantileSketch] = []
        for chunk in stride(from: 0, to: values.count, by: 3000) {
            var s = QuantileSketch()
            values[chunk..<min(values.count, chunk + 3000)].withUnsafeBufferPointer { s.add($0) }
            parts.append(s)
        }
        var forward = QuantileSketch()
        for p in parts { forward.merge(p) }
        var backward = QuantileSketch()
        for p in parts.reversed() { backward.merge(p) }
        #expect(forward == backward)
        for q in [0.01, 0.25, 0.5, 0.75, 0.99] {
            let truth = Double(sorted[Int(q * Double(sorted.count - 1))])
            let estimate = forward.quantile(q) ?? .nan
            #expect(abs(estimate - truth) <= 0.0101 * abs(truth) + 1e-6, "q \(q): \(estimate) vs \(truth)")
        }
    }

    @Test func profileIsIdenticalHoweverTheRowsAreSharded() throws {
        var rng = SplitMix64(seed: 3)
        let rows = 1000
        let columns = (0..<3).map { c in (0..<rows).map { _ in Float(rng.next() % 10_000) / Float(c + 1) - 20 } }
        let job = try ProfileJob(columnNames: ["a", "b", "c"], parameters: JobParameters(["bins": "8"]))
        func run(shardRows: Int) throws -> [UInt8] {
            let shards = stride(from: 0, to: rows, by: shardRows).map { start in
                shard(columns.map { Array($0[start..<min(rows, start + shardRows)]) }, rowStart: start)
            }
            return try job.resultBody(JobDriver(jobID: "t", kind: job, shardCount: shards.count)
                .run(transport: InProcessTransport(kind: job, shards: shards, threads: 2), checkpoints: MemoryCheckpoints()))
        }
        let one = try run(shardRows: 1000)
        let profile = try DatasetProfile(decoding: one)
        #expect(profile.rowCount == 1000)
        #expect(profile.columns.map { $0.histogram.reduce(0, +) } == [1000, 1000, 1000])
        #expect(profile.columns[0].moments.min == columns[0].min())
        // Sharding changes the merge tree of the moments (sums in a different order), so bits may
        // differ in the last place between shardings; equal sharding must give identical bytes.
        #expect(try run(shardRows: 128) == run(shardRows: 128))
        let sharded = try DatasetProfile(decoding: run(shardRows: 128))
        for (a, b) in zip(profile.columns, sharded.columns) {
            #expect(abs(a.moments.mean - b.moments.mean) <= 1e-9 * max(1, abs(a.moments.mean)))
            #expect(a.histogram == b.histogram && a.quantiles == b.quantiles)
        }
    }
}

@Suite struct ProbeJobTests {
    private func shards(rows: Int, shardRows: Int) -> [FeatureShard] {
        stride(from: 0, to: rows, by: shardRows).map { start in
            let s = FeatureShard(rowStart: start, rowCount: min(shardRows, rows - start), columnCount: 2)
            for c in 0..<2 {
                let out = s.mutableColumn(c)
                for i in 0..<s.rowCount { out[i] = Float((start + i) * (c + 1)) }
            }
            return s
        }
    }

    @Test func probeCountsEveryRowAndItsChecksumFollowsTheData() throws {
        let job = try ProbeJob(parameters: JobParameters(["iterations": "3"]))
        let data = shards(rows: 1000, shardRows: 64)
        let result = try JobDriver(jobID: "p", kind: job, shardCount: data.count)
            .run(transport: InProcessTransport(kind: job, shards: data, threads: 2), checkpoints: MemoryCheckpoints())
        let text = try job.render(result: job.resultBody(result), json: true)
        #expect(text.contains("\"rows\":1000") && text.contains("\"shards\":16") && text.contains("\"iterations\":3"), "\(text)")
        data[5].mutableColumn(1)[3] += 1
        let changed = try JobDriver(jobID: "p", kind: job, shardCount: data.count)
            .run(transport: InProcessTransport(kind: job, shards: data, threads: 2), checkpoints: MemoryCheckpoints())
        #expect(changed != result, "one changed value changes the checksum")
    }

    @Test func aShardThatReadsDifferentlyInALaterIterationFailsTheJobNamingIt() throws {
        let job = try ProbeJob(parameters: JobParameters(["iterations": "2"]))
        let data = shards(rows: 256, shardRows: 64)
        let first = try data.map { try job.execute(shard: $0, iteration: 0, state: [], cancellation: .never) }
        guard case .iterate(let state) = try job.merge(iteration: 0, state: [], partials: first) else {
            Issue.record("two iterations were asked for")
            return
        }
        data[2].mutableColumn(0)[0] = -1
        let second = try data.map { try job.execute(shard: $0, iteration: 1, state: state, cancellation: .never) }
        #expect(throws: OmnisegError.self) { try job.merge(iteration: 1, state: state, partials: second) }
        do {
            _ = try job.merge(iteration: 1, state: state, partials: second)
        } catch {
            #expect(error.message.contains("shard 2 read differently"), "\(error)")
        }
        #expect(throws: OmnisegError.self) { try ProbeJob(parameters: JobParameters(["iterations": "0"])) }
    }
}

@Suite struct JobLedgerTests {
    @Test func localIDsFollowTheLargestEvenAfterADeletion() throws {
        let dir = TemporaryDirectory()
        let workspace = try Workspace(path: dir.file("w.sqlite"))
        let ledger = JobLedger(workspace: workspace)
        func start() throws -> String { try ledger.startLocal(kind: "probe", parameters: JobParameters(), submittedAt: 1, featureSet: 1) }
        #expect(try start() == "local-1")
        #expect(try start() == "local-2")
        try ledger.start(id: "J7", kind: "probe", parameters: JobParameters(), mode: "cluster", submittedAt: 1, featureSet: 1)
        try workspace.db.run("DELETE FROM job WHERE id = 'local-1'")
        #expect(try start() == "local-3", "a deleted job's number is not handed out again")
        #expect(try ledger.entry("local-3")?.state == "running")
    }

    /// A new Redis hands out J1 again: the earlier J1's record and per-person rows are kept under another id.
    @Test func aReusedClusterIDKeepsTheEarlierJob() throws {
        let dir = TemporaryDirectory()
        let workspace = try Workspace(path: dir.file("w.sqlite"))
        let ledger = JobLedger(workspace: workspace)
        try ledger.start(id: "J1", kind: "cluster", parameters: JobParameters(["k": "4"]), mode: "cluster", submittedAt: 100, featureSet: 1)
        // The same job again (a coordinator restart): still one record.
        try ledger.start(id: "J1", kind: "cluster", parameters: JobParameters(["k": "4"]), mode: "cluster", submittedAt: 100, featureSet: 1)
        #expect(try workspace.db.scalar("SELECT count(*) FROM job")?.integer == 1)
        try ledger.finish(id: "J1", state: .succeeded, result: [1, 2, 3], error: nil, at: 150)
        try workspace.db.run("INSERT INTO cluster_assignment (job_id, person_id, cluster) VALUES ('J1', 1, 3)")
        // Another job with the same id.
        try ledger.start(id: "J1", kind: "probe", parameters: JobParameters(), mode: "cluster", submittedAt: 900, featureSet: 1)
        let kept = try #require(try ledger.entry("J1@100"))
        #expect(kept.kind == "cluster" && kept.state == "succeeded" && kept.result == [1, 2, 3])
        #expect(try workspace.db.scalar("SELECT job_id FROM cluster_assignment WHERE person_id = 1")?.text == "J1@100")
        let current = try #require(try ledger.entry("J1"))
        #expect(current.kind == "probe" && current.state == "running" && current.result == nil)
    }
}
