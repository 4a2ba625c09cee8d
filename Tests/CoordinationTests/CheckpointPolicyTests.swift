@testable import Coordination
import Foundation
import OmnisegCore
@testable import QueueProtocol
@testable import RedisClient
@testable import TestSupport
import Testing

/// A large state whose tasks read a view of it is not stored every iteration; the job resumes from
/// the last one stored.
@Suite struct CheckpointPolicyTests {
    @Test func theDecisionTable() {
        let policy = CheckpointPolicy(largeStateBytes: 100, interval: .seconds(10))
        #expect(policy.stores(bytes: 1 << 30, tasksRead: false, sinceStored: nil), "the first iteration of a run is stored")
        #expect(policy.stores(bytes: 100, tasksRead: false, sinceStored: .seconds(1)), "a small state always")
        #expect(policy.stores(bytes: 101, tasksRead: true, sinceStored: .seconds(1)), "a state its tasks fetch always")
        #expect(!policy.stores(bytes: 101, tasksRead: false, sinceStored: .seconds(9)))
        #expect(policy.stores(bytes: 101, tasksRead: false, sinceStored: .seconds(10)))
    }

    @Test func aSkippedCheckpointLeavesTheLastStoredOneToResumeFrom() throws {
        let h = try ClusterHarness()
        let redis = try h.connection()
        let state = CoordinatorState()
        state.lead(epoch: 7)
        try redis.run("SET", QueueKeys.epoch("ws"), 7)
        try redis.run("HSET", QueueKeys.job("J1"), "state", "running")
        var checkpoints = RedisCheckpoints(connection: redis, state: state, jobID: "J1", workspaceID: "ws", shardCount: 4, retentionSeconds: 600,
                                           deferred: DeferredWrites(), started: IterationStarts())
        checkpoints.policy = CheckpointPolicy(largeStateBytes: 8, interval: .seconds(3600))
        let states = (0..<4).map { i in [UInt8](repeating: UInt8(i), count: 64) }
        try checkpoints.begin(iteration: 0, state: states[0], tasksRead: false)
        try checkpoints.begin(iteration: 1, state: states[1], tasksRead: false)
        try checkpoints.begin(iteration: 2, state: states[2], tasksRead: false)
        let resumed = try #require(try checkpoints.resumePoint())
        #expect(resumed.iteration == 0 && resumed.state == states[0], "iterations 1 and 2 were not stored")
        #expect(try redis.run("HGET", QueueKeys.job("J1"), "iteration").integer == 2, "the job is at iteration 2 all the same")
        try checkpoints.begin(iteration: 3, state: states[3], tasksRead: true)
        let again = try #require(try checkpoints.resumePoint())
        #expect(again.iteration == 3 && again.state == states[3])
    }
}
