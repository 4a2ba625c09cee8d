@testable import Clustering
@testable import FeatureStore
import Foundation
@testable import JobRuntime
@testable import Kernels
@testable import Profiling
@testable import QueueProtocol
@testable import Recommend
@testable import RedisClient
@testable import Segments
@testable import TestSupport
import Testing
@testable import Workspace

/// Integration tests of the distributed runtime: a real redis-server, real worker and coordinator
/// processes. Serialized: each test starts its own Redis on a free port, but they share the CPU.
@Suite(.serialized) struct ClusterTests {
    /// The embedded result of a profile job over the fixture workspace (the reference for every run).
    private func embeddedProfile(_ h: ClusterHarness) throws -> [UInt8] { try embedded(h, "profile") }

    /// The embedded result of job `kind` with `parameters` over the fixture workspace.
    private func embedded(_ h: ClusterHarness, _ kind: String, _ parameters: [String] = []) throws -> [UInt8] {
        try h.embeddedResult(kind, parameters)
    }

    /// Waits for job `id` to end and checks that it succeeded with the `reference` result in the workspace.
    @discardableResult
    private func expectSucceeded(_ h: ClusterHarness, _ id: String, matching reference: [UInt8],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws -> JobRecord {
        let record = try h.finished(id)
        #expect(record.state == .succeeded, "\(record.json)", sourceLocation: sourceLocation)
        #expect(try h.workspaceResult(id) == reference, "the workspace result differs from the embedded one", sourceLocation: sourceLocation)
        return record
    }

    @Test func profileIsBitIdenticalEmbeddedAndWithOneAndThreeWorkers() throws {
        let h = try ClusterHarness()
        let reference = try embeddedProfile(h)
        try h.coordinator()
        try h.worker()
        let first = try h.submit()
        let one = try h.finished(first)
        #expect(one.state == .succeeded, "\(one.error ?? "")")
        #expect(try h.workspaceResult(first) == reference)
        #expect(one.result == reference, "the result in Redis is the one in the workspace")

        try h.worker(); try h.worker()
        let second = try h.submit()
        #expect(try h.finished(second).state == .succeeded)
        #expect(try h.workspaceResult(second) == reference)

        let status = try h.omniseg(["status", second, "--json"])
        #expect(status.status == 0 && status.out.contains("\"state\":\"succeeded\""))
        let result = try h.omniseg(["result", second])
        #expect(result.status == 0 && result.out.contains("profile of"))
        let workers = try h.omniseg(["workers", "--json"])
        #expect(workers.out.components(separatedBy: "\"alive\":true").count - 1 == 3, "\(workers.out)")
        #expect(workers.out.contains("\"kernels\":\"\(KernelVariant.best.rawValue)\""), "each worker shows its kernel variant: \(workers.out)")
    }

    @Test func aTableJobRunsOverPartitionsOnWorkersAndSendsThemNoContact() throws {
        let h = try ClusterHarness()
        let parameters = ["table=txn", "key=customer_id", "partitions=5"]
        let reference = try embedded(h, "table-profile", parameters)
        try h.coordinator()
        try h.worker(); try h.worker()
        #expect(try h.waitForWorkers(h.connection(), count: 2) == 2)
        let id = try h.submit("table-profile", parameters)
        let record = try expectSucceeded(h, id, matching: reference)
        #expect(record.tasksTotal == 5, "one task a partition: \(record.json)")
        let redis = try h.connection()
        let plan = try JobPlan(decoding: try #require(redis.run("HGET", QueueKeys.job(id), "plan").bytes))
        #expect(plan.input == .tablePartitions && plan.featureSetID == nil && plan.tasks.allSatisfy { $0.features == nil && $0.data != nil })
        let profile = try TableProfile(decoding: TableProfileJob.resultBody(reference))
        let workspace = try Workspace(path: h.workspacePath)
        #expect(profile.rows == UInt64(try workspace.count(.transactions)) && profile.rows > 0)
        // Nothing the workers could read holds a contact: look for e-mails of the workspace (a spread sample) in every blob.
        let emails = try workspace.db.rows("SELECT email FROM customer_record WHERE email IS NOT NULL AND rowid % 97 = 0 LIMIT 40").compactMap { $0[0].text }
        try #require(!emails.isEmpty)
        var blobBytes: [UInt8] = []
        for key in (try redis.run("KEYS", "omniseg:blob:*:*").elements ?? []).compactMap(\.text) {
            blobBytes += try redis.run("GET", key).bytes ?? []
        }
        #expect(!blobBytes.isEmpty)
        let text = String(decoding: blobBytes, as: UTF8.self)
        #expect(!emails.contains { text.range(of: $0) != nil }, "a customer's e-mail reached Redis")
        #expect(text.contains(try #require(workspace.db.scalar("SELECT sku FROM txn LIMIT 1")?.text)), "the partitions themselves are there")
    }

    @Test func shardsMoveOnceThenStayOnTheirWorkers() throws {
        let h = try ClusterHarness()
        try h.coordinator()
        try h.worker(); try h.worker()
        #expect(try h.waitForWorkers(h.connection(), count: 2) == 2)
        let embedded = try h.omniseg(["run", "probe", "--param", "iterations=6", "-w", h.workspacePath, "--json"], redis: false)
        let id = try h.submit("probe", ["iterations=6"])
        let record = try h.finished(id)
        #expect(record.state == .succeeded, "\(record.error ?? "")")
        try #require(record.shardBytes > 0 && record.shardBytesRead.count == 6, "\(record.json)")
        #expect(record.shardBytesRead[0] >= record.shardBytes, "the first iteration ships every shard: \(record.json)")
        for later in record.shardBytesRead.dropFirst() {
            #expect(later * 100 < record.shardBytes, "later iterations read under 1% of the shard bytes: \(record.json)")
        }
        let status = try h.omniseg(["status", id])
        #expect(status.out.contains("read from Redis per iteration: 0: "), "\(status.out)")
        let result = try h.omniseg(["result", id, "--json"])
        #expect(result.status == 0 && result.out == embedded.out, "the probe reads the same data on workers: \(result.out) vs \(embedded.out)")
    }

    @Test func aTaskLostOutsideEveryStreamIsDispatchedAgain() throws {
        let h = try ClusterHarness()
        let reference = try embeddedProfile(h)
        try h.coordinator()
        let id = try h.submit()
        let redis = try h.connection()
        var first: StreamEntry?
        for _ in 0..<200 where first == nil {
            first = try redis.run("XRANGE", QueueKeys.sharedStream, "-", "+", "COUNT", 1).entries(of: QueueKeys.sharedStream).first
            usleep(25_000)
        }
        let lost = try #require(first, "the coordinator dispatched nothing")
        #expect(try redis.run("XDEL", QueueKeys.sharedStream, lost.id).integer == 1)
        try h.worker()
        try expectSucceeded(h, id, matching: reference)
        #expect(try JobQueueClient(connection: h.connection()).record(id).tasksRedispatched >= 1, "the lost task was dispatched again")
    }

    @Test func tasksWaitingOnABusyWorkerGoToAnyWorkerAfterTheLocalityWait() throws {
        let h = try ClusterHarness()
        let reference = try embeddedProfile(h)
        try h.coordinator(["--locality-wait-ms", "200"])
        // Alone, the slow worker gets every task; it reads one at a time, so the second waits in its stream.
        try h.worker(["--task-delay-ms", "700", "--prefetch", "1"], name: "slow")
        #expect(try h.waitForWorkers(h.connection(), count: 1) == 1)
        let id = try h.submit()
        _ = try h.waitForJob(id) { $0.tasksDone >= 1 }
        try h.worker(["--prefetch", "1"], name: "fast")
        try expectSucceeded(h, id, matching: reference)
        let moved = try h.connection().run("HGET", QueueKeys.statistics, "tasks_past_locality_wait").text.flatMap(Int.init) ?? 0
        #expect(moved >= 1, "a task waiting on the slow worker was moved to the shared stream")
    }

    @Test func churnForestAndScoresAreIdenticalEmbeddedAndOnTwoWorkers() throws {
        let h = try ClusterHarness()
        let setID = try Fixtures.addTrainingSet(to: Workspace(path: h.workspacePath))
        let training = ["trees=12", "depth=8", "feature_set=\(setID)"]
        let reference = try embedded(h, "churn-train", training)
        try h.coordinator()
        try h.worker(); try h.worker(kernels: .portable)
        #expect(try h.waitForWorkers(h.connection(), count: 2) == 2)
        let id = try h.submit("churn-train", training)
        try expectSucceeded(h, id, matching: reference)
        let workspace = try Workspace(path: h.workspacePath)
        let models = try workspace.db.rows("SELECT job_id, trees FROM churn_model ORDER BY id")
        #expect(models.count == 2 && models[1][0].text == id && models[1][1].integer == 12, "both runs stored their model")
        // Scoring the current features on the workers (one of them on the portable kernels) gives the embedded bits.
        let scoreReference = try embedded(h, "churn-score", ["model=2", "feature_set=1"])
        let score = try h.submit("churn-score", ["model=2", "feature_set=1"])
        try expectSucceeded(h, score, matching: scoreReference)
        let rows = try FeatureStore(workspace: workspace).load(setID: 1).rowCount
        #expect(try workspace.db.scalar("SELECT count(*) FROM churn_score WHERE job_id = ?", [.text(score)])?.integer == Int64(rows))
        let explained = try h.omniseg(["churn", "explain", "--person", "5", "-w", h.workspacePath], redis: false)
        #expect(explained.status == 0 && explained.out.contains("person 5: churn probability"), "\(explained.err)")
    }

    @Test func recommendationsAreIdenticalEmbeddedAndOnTwoWorkers() throws {
        let h = try ClusterHarness()
        let parameters = ["n=4", "pairs_per_bucket=400000"]
        let reference = try embedded(h, "recommend", parameters)
        try h.coordinator()
        try h.worker(); try h.worker()
        #expect(try h.waitForWorkers(h.connection(), count: 2) == 2)
        let id = try h.submit("recommend", parameters)
        let record = try expectSucceeded(h, id, matching: reference)
        let result = try RecommendResult(decoding: RecommendJob.resultBody(reference))
        #expect(result.buckets > 1 && record.iteration == result.buckets + 1, "survey, \(result.buckets) counting buckets, scoring")
        // The workers read each shard's interactions from Redis (beside the shards), once.
        let status = try JSONSerialization.jsonObject(with: Data(h.omniseg(["status", id, "--json"]).out.utf8)) as? [String: Any]
        let read = try #require(status?["shard_bytes_read"] as? [Int])
        #expect(read[0] > 0 && read.dropFirst().allSatisfy { $0 == 0 }, "\(read)")
        let workspace = try Workspace(path: h.workspacePath)
        let stored = try workspace.db.rows("SELECT item FROM recommendation WHERE job_id = ? AND person_id = 3 ORDER BY rank", [.text(id)])
        #expect(stored.map { Int($0[0].integer ?? -1) } == result.suggestions(row: 2).map(\.item))
        // --explain recomputes the person's suggestions from their history: the same items, in order.
        let shown = try h.omniseg(["recommend", "--person", "3", "--explain", "--run", id, "-w", h.workspacePath], redis: false)
        #expect(shown.status == 0, "\(shown.err)")
        let names = result.suggestions(row: 2).map { result.catalog.names[$0.item] }
        let listed = shown.out.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }.map { String($0.split(separator: " ")[1]) }
        #expect(listed == names, "\(shown.out)")
    }

    /// Segments evaluated on two workers (one with the portable kernels) match the embedded run, members included.
    @Test func segmentsAreIdenticalEmbeddedAndOnTwoWorkers() throws {
        let h = try ClusterHarness()
        let parameters = ["rule_1=lifecycle IN (at_risk, churned) AND rfm IN (cant_lose, at_risk, hibernating)",
                          "rule_2=viewed(within = 60d) OR carted(count = 2)", "rule_3=channel = omnichannel AND NOT monetary < 100",
                          "members=1"]
        let reference = try embedded(h, "overlap", parameters)
        try h.coordinator()
        try h.worker(kernels: .portable)
        try h.worker()
        #expect(try h.waitForWorkers(h.connection(), count: 2) == 2)
        try expectSucceeded(h, try h.submit("overlap", parameters), matching: reference)
        let result = try SegmentResult(decoding: SegmentJob.resultBody(reference))
        #expect(result.counts.allSatisfy { $0 > 0 } && result.members.count == 3)
        #expect(result.combinations.count > 4, "the segments overlap in several ways")
    }

    @Test func clusterJobIsBitIdenticalEmbeddedAndWithOneAndThreeWorkers() throws {
        let h = try ClusterHarness()
        let parameters = ["k=5", "seed=3", "pca=6"]
        let reference = try embedded(h, "cluster", parameters)
        try h.coordinator()
        try h.worker()
        try expectSucceeded(h, try h.submit("cluster", parameters), matching: reference)
        // Two more workers as on older hosts: every kernel variant must produce the same partials.
        try h.worker(kernels: .portable)
        if KernelVariant.supportedHere.contains(.avx2) { try h.worker(kernels: .avx2) } else { try h.worker() }
        #expect(try h.waitForWorkers(h.connection(), count: 3) == 3)
        #expect(try h.omniseg(["workers", "--json"]).out.contains("\"kernels\":\"portable\""))
        let id = try h.submit("cluster", parameters)
        let record = try expectSucceeded(h, id, matching: reference)
        #expect(record.iteration >= 2, "survey, at least one Lloyd iteration, labelling")
        let result = try ClusterResult(decoding: ClusterJob.resultBody(reference))
        let rows = try FeatureStore(workspace: Workspace(path: h.workspacePath)).load().rowCount
        #expect(result.labels.count == rows && result.counts.reduce(0, +) == Int64(rows), "every fixture person has a cluster")
        let shown = try h.omniseg(["result", id])
        #expect(shown.status == 0 && shown.out.contains("k = 5 over"), "\(shown.out)")
        let assigned = try Workspace(path: h.workspacePath).db.rows("SELECT person_id, cluster FROM cluster_assignment WHERE job_id = ? ORDER BY person_id", [.text(id)])
        #expect(assigned.count == rows, "every person's cluster is in the workspace")
        #expect(assigned.enumerated().allSatisfy { $0.element[0].integer == Int64($0.offset + 1) && $0.element[1].integer == Int64(result.labels[$0.offset]) })
        let csv = try h.omniseg(["result", id, "--csv", "-w", h.workspacePath])
        let lines = csv.out.split(separator: "\n")
        #expect(csv.status == 0 && lines.first == "person_id,cluster,label,name" && lines.count == rows + 1, "\(csv.out.prefix(200))")
        let profileJob = try h.submit()
        #expect(try h.finished(profileJob).state == .succeeded)
        #expect(try h.omniseg(["result", id, "--csv", "-w", h.dir.file("elsewhere.sqlite")]).err.contains("pass -w"), "no workspace is made up")
        let profile = try h.omniseg(["result", profileJob, "--csv", "-w", h.workspacePath])
        #expect(profile.status == 64 && profile.err.contains("no per-person rows"), "\(profile.status) \(profile.err)")
    }

    @Test func killedWorkerTaskIsReclaimedAndTheResultIsIdentical() throws {
        let h = try ClusterHarness()
        let reference = try embeddedProfile(h)
        try h.coordinator()
        let doomed = try h.worker(["--task-delay-ms", "400"])
        try h.worker(["--task-delay-ms", "50"])
        let id = try h.submit()
        _ = try h.waitForJob(id) { $0.tasksDone >= 2 }
        kill(doomed.processIdentifier, SIGKILL)
        try expectSucceeded(h, id, matching: reference)
        #expect(try JobQueueClient(connection: h.connection()).record(id).tasksReclaimed >= 1, "the killed worker's task was reclaimed")
    }

    @Test func duplicateAndStaleResultsAreIgnored() throws {
        let h = try ClusterHarness()
        let redis = try h.connection()
        try redis.run("HSET", QueueKeys.job("D1"), "state", "running", "iteration", "1", "tasks_done", "0")
        func complete(iteration: Int, partial: String) throws -> Int64? {
            try redis.run("XADD", QueueKeys.sharedStream, "*", "t", "x")
            return try redis.evaluate(QueueScripts.complete, keys: [QueueKeys.job("D1"), QueueKeys.results("D1", iteration: iteration), QueueKeys.sharedStream,
                                                                        QueueKeys.completed("D1")],
                                      arguments: [QueueKeys.group, "0-1", 5, iteration, partial, 100]).integer
        }
        #expect(try complete(iteration: 1, partial: "first") == 1)
        #expect(try complete(iteration: 1, partial: "second") == -2)
        #expect(try complete(iteration: 0, partial: "stale") == -1)
        #expect(try redis.run("HGET", QueueKeys.results("D1", iteration: 1), "5").text == "first")
        #expect(try redis.run("HGET", QueueKeys.job("D1"), "tasks_done").integer == 1)
        #expect(try redis.run("HGET", QueueKeys.job("D1"), "shard_bytes_read:1").integer == 200, "bytes moved count even for a duplicate")
        #expect(try redis.run("LLEN", QueueKeys.completed("D1")).integer == 1, "one stored result signals the coordinator once")
        try redis.run("HSET", QueueKeys.job("D1"), "state", "cancelled")
        #expect(try complete(iteration: 1, partial: "late") == 0)
    }

    @Test func poisonMessageIsDeadLetteredWithoutCrashingTheWorker() throws {
        let h = try ClusterHarness()
        let worker = try h.worker()
        let redis = try h.connection()
        _ = try h.waitForWorkers(redis, count: 1)
        try redis.run("XADD", QueueKeys.sharedStream, "*", "t", "this is not a task")
        let deadline = Date().addingTimeInterval(20)
        var letters: [DeadLetter] = []
        while letters.isEmpty && Date() < deadline {
            letters = try JobQueueClient(connection: redis).deadLetters()
            usleep(50_000)
        }
        #expect(letters.count == 1)
        #expect(letters.first?.reason.contains("cannot decode a task message") == true, "\(letters.first?.reason ?? "")")
        #expect(worker.isRunning)
        let listed = try h.omniseg(["dlq", "list", "--json"])
        #expect(listed.out.contains("cannot decode a task message"))
        #expect(try h.omniseg(["dlq", "purge"]).out.contains("purged 1"))
    }

    @Test func corruptShardFailsTheJobWithAClearError() throws {
        let h = try ClusterHarness()
        let redis = try h.connection()
        // Plant a damaged copy of shard 0 under its content address before the coordinator uploads it.
        let matrix = try FeatureStore(workspace: Workspace(path: h.workspacePath)).load()
        let reference = BlobStore.reference(for: matrix.shards[0].bytes)
        var damaged = Array(matrix.shards[0].bytes)
        damaged[100] ^= 0xFF
        try damaged.withUnsafeBytes { raw in
            for i in 0..<reference.chunkCount {
                let lower = i * reference.chunkBytes
                try redis.run(RedisCommand(arguments: [Array("SET".utf8), Array("\(reference.key):\(i)".utf8), Array(raw[lower..<min(raw.count, lower + reference.chunkBytes)])]))
            }
        }
        try redis.run("SET", reference.key, reference.chunkCount)
        try h.coordinator()
        try h.worker()
        let id = try h.submit()
        let watch = try h.omniseg(["watch", id])
        #expect(watch.status == 2, "watch exits 2 for a failed job: \(watch.out) \(watch.err)")
        let record = try JobQueueClient(connection: redis).record(id)
        #expect(record.state == .failed)
        #expect(record.error?.contains("fails its checksum") == true, "\(record.error ?? "")")
        #expect(record.error?.contains("not retryable") == true)
        #expect(try JobQueueClient(connection: redis).deadLetters().count == 1)
    }

    @Test func cancelStopsTheJobAndItsTasks() throws {
        let h = try ClusterHarness()
        try h.coordinator()
        let worker = try h.worker(["--task-delay-ms", "300"])
        let id = try h.submit()
        _ = try h.waitForJob(id) { $0.tasksDone >= 1 }
        let cancel = try h.omniseg(["cancel", id])
        #expect(cancel.status == 0)
        let record = try h.finished(id, timeout: 20)
        #expect(record.state == .cancelled)
        #expect(record.tasksDone < 10)
        // The streams drain: the worker drops the cancelled job's queued tasks without running them.
        #expect(try h.wait(timeout: 20) { try h.connection().run("XLEN", QueueKeys.sharedStream).integer == 0 })
        #expect(try JobQueueClient(connection: h.connection()).record(id).tasksDone == record.tasksDone, "no task ran after the cancel")
        #expect(try h.omniseg(["result", id]).status == 3)
        #expect(worker.isRunning)
    }

    @Test func coordinatorKilledMidJobIsResumedByTheNextOne() throws {
        let h = try ClusterHarness()
        let reference = try embeddedProfile(h)
        let first = try h.coordinator()
        try h.worker(["--task-delay-ms", "150"])
        let id = try h.submit()
        _ = try h.waitForJob(id) { $0.tasksDone >= 3 }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        try h.coordinator()
        try expectSucceeded(h, id, matching: reference)
        #expect(try JobQueueClient(connection: h.connection()).record(id).resumes == 1, "the second coordinator resumed the job")
    }

    @Test func jobSurvivesARedisRestart() throws {
        let h = try ClusterHarness()
        let reference = try embeddedProfile(h)
        try h.coordinator()
        try h.worker(["--task-delay-ms", "150"])
        let id = try h.submit()
        _ = try h.waitForJob(id) { $0.tasksDone >= 2 }
        h.stopRedis()
        usleep(500_000)
        try h.startRedis()
        try expectSucceeded(h, id, matching: reference)
        // The partials stay out of the append-only file: those stored before the restart were gone
        // after it, and their tasks were found in no stream, retry set or result and run again.
        #expect(try JobQueueClient(connection: h.connection()).record(id).tasksRedispatched >= 2)
    }

    @Test func scriptsAreReloadedAfterTheServerForgetsThem() throws {
        let h = try ClusterHarness()
        let redis = try h.connection()
        try redis.loadScripts([QueueScripts.promote])
        try redis.run("SCRIPT", "FLUSH")
        let member = Array("a delayed task".utf8)
        try redis.run("ZADD", QueueKeys.delayed, 0, member)
        let replies = try redis.evaluateAll(QueueScripts.promote, [ScriptCall(keys: [QueueKeys.delayed, QueueKeys.sharedStream], arguments: [member])])
        #expect(replies.count == 1 && replies[0].errorMessage == nil, "\(replies)")
        #expect(try redis.run("XLEN", QueueKeys.sharedStream).integer == 1, "the NOSCRIPT call was sent again and promoted the task")
        #expect(try redis.run("ZCARD", QueueKeys.delayed).integer == 0)
    }

    @Test func wrongPasswordGivesAClearError() throws {
        let h = try ClusterHarness(password: "right-one")
        let worker = try h.launch(ClusterHarness.binaries + "/omniseg-worker",
                                  ["--redis", "redis://:wrong@127.0.0.1:\(h.port)/0"], log: "bad-worker.log")
        worker.waitUntilExit()
        #expect(worker.terminationStatus == 77)
        #expect(h.log("bad-worker.log").contains("refused the credentials"))
        let status = try h.omniseg(["workers", "--redis", "redis://:wrong@127.0.0.1:\(h.port)/0"], redis: false)
        #expect(status.status == 77 && status.err.contains("WRONGPASS"), "\(status.err)")
        #expect(!status.err.contains("wrong@"), "the password is not printed")
        #expect(try h.omniseg(["workers"]).status == 0, "the right password works")
    }

    @Test func sigtermDrainsTheWorker() throws {
        let h = try ClusterHarness()
        let reference = try embeddedProfile(h)
        try h.coordinator()
        let draining = try h.worker(["--task-delay-ms", "500", "--grace-seconds", "5"])
        let id = try h.submit()
        _ = try h.waitForJob(id) { $0.tasksDone >= 1 }
        kill(draining.processIdentifier, SIGTERM)
        draining.waitUntilExit()
        #expect(draining.terminationStatus == 0)
        let redis = try h.connection()
        #expect(try redis.run("SCARD", QueueKeys.workers).integer == 0, "the worker deregistered")
        try h.worker()
        try expectSucceeded(h, id, matching: reference)
    }
}

extension ClusterHarness {
    func waitForWorkers(_ redis: RedisConnection, count: Int) throws -> Int {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let n = Int(try redis.run("SCARD", QueueKeys.workers).integer ?? 0)
            if n >= count { return n }
            usleep(50_000)
        }
        return 0
    }
}
