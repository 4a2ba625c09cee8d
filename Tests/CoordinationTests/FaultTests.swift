import Foundation
@testable import FeatureStore
@testable import QueueProtocol
@testable import RedisClient
@testable import TestSupport
import Testing
@testable import Workspace
@testable import WorkspaceJobs

/// Faults with real processes, waiting on observable state (never on fixed sleeps or log text).
@Suite struct FaultTests {
    /// The worker registered by process `pid`.
    private func workerName(_ h: ClusterHarness, pid: Int32) throws -> String? {
        try JobQueueClient(connection: h.connection()).workers().first { $0.fields["pid"] == "\(pid)" }?.name
    }

    /// Tasks the consumer `worker` has read and not yet acknowledged, on the shared and its own stream.
    private func pendingTasks(_ h: ClusterHarness, worker: String) throws -> Int {
        let redis = try h.connection()
        var n = 0
        for stream in [QueueKeys.sharedStream, QueueKeys.workerStream(worker)] {
            let reply = try redis.pipeline([RedisCommand("XPENDING", stream, QueueKeys.group, "-", "+", 100, worker)])[0]
            n += reply.elements?.count ?? 0
        }
        return n
    }

    @Test func aZombieWorkersLateResultIsFencedOff() throws {
        let h = try ClusterHarness()
        let reference = try h.embeddedResult("profile", ["feature_set=1"])
        try h.coordinator()
        let zombie = try h.worker(["--task-delay-ms", "700"])
        let zombieName = try #require(try h.wait { try workerName(h, pid: zombie.processIdentifier) != nil } ? workerName(h, pid: zombie.processIdentifier) : nil)
        try h.worker(["--task-delay-ms", "20"], name: "healthy")
        let id = try h.submit("profile", ["feature_set=1"])
        // Stop the zombie while it holds a task, past its lease: the coordinator reclaims the task.
        #expect(try h.wait { try pendingTasks(h, worker: zombieName) > 0 })
        kill(zombie.processIdentifier, SIGSTOP)
        let record = try h.finished(id, timeout: 90)
        #expect(record.state == .succeeded)
        #expect(try h.workspaceResult(id) == reference)
        // Woken after its task was reclaimed and the job finished, the zombie's late result changes nothing.
        kill(zombie.processIdentifier, SIGCONT)
        #expect(try h.wait(timeout: 30) { try pendingTasks(h, worker: zombieName) == 0 })
        #expect(zombie.isRunning)
        let after = try JobQueueClient(connection: h.connection()).record(id)
        #expect(after.state == .succeeded && after.result == record.result && after.tasksDone == record.tasksDone)
        #expect(try h.workspaceResult(id) == reference)
    }

    // One test per kind (a parameterized test over tuples crashed swift-testing's case generator here).
    @Test func aKilledCoordinatorsClusterJobIsResumedIdentically() throws {
        try killCoordinatorMidJob("cluster", ["k=3", "seed=2", "max-iter=6"])
    }

    @Test func aKilledCoordinatorsChurnTrainingIsResumedIdentically() throws {
        try killCoordinatorMidJob("churn-train", ["trees=8", "depth=5"])
    }

    @Test func aKilledCoordinatorsRecommendJobIsResumedIdentically() throws {
        try killCoordinatorMidJob("recommend", ["n=3", "pairs_per_bucket=200000"])
    }

    @Test func aKilledCoordinatorsSegmentJobIsResumedIdentically() throws {
        try killCoordinatorMidJob("segment", ["rule=frequency >= 2 AND channel = omnichannel"])
    }

    /// Runs `kind` through a coordinator that is SIGKILLed mid-job; the next one must finish it with
    /// the embedded result.
    private func killCoordinatorMidJob(_ kind: String, _ parameters: [String]) throws {
        let h = try ClusterHarness()
        let training = try Fixtures.addTrainingSet(to: Workspace(path: h.workspacePath))
        let set = kind == "churn-train" ? training : 1
        let all = parameters + ["feature_set=\(set)"]
        let reference = try h.embeddedResult(kind, all)
        let first = try h.coordinator()
        try h.worker(["--task-delay-ms", "150"])
        let id = try h.submit(kind, all)
        let before = try h.waitForJob(id) { $0.tasksDone >= 2 || $0.iteration >= 1 || $0.state.isFinished }
        kill(first.processIdentifier, SIGKILL)
        #expect(!before.state.isFinished, "the coordinator is killed mid-job")
        first.waitUntilExit()
        try h.coordinator()
        let record = try h.finished(id, timeout: 120)
        #expect(record.state == .succeeded, "\(record.json)")
        #expect(record.resumes == 1, "the second coordinator took the job over where it was")
        #expect(try h.workspaceResult(id) == reference, "\(kind): the resumed job's result differs from the embedded one")
    }
}
