import Foundation
@testable import QueueProtocol
@testable import Workspace
@testable import WorkspaceJobs
@testable import TestSupport
import Testing

/// Defects found when the cluster was tried as a new user would; each test failed before its fix.
@Suite(.serialized) struct ClusterDefectTests {
    @Test func runWithRedisFollowsTheJobOnTheCoordinatorThatServesTheWorkspace() throws {
        let h = try ClusterHarness()
        try h.coordinator()
        try h.worker()
        #expect(try h.wait { try h.connection().run("EXISTS", QueueKeys.leader(Workspace.id(h))).integer == 1 })
        // Before: `run` waited for the leader lock forever.
        let run = try h.omniseg(["run", "probe", "-w", h.workspacePath, "--leader-lease-ms", "1000"], timeout: 60)
        #expect(!run.timedOut, "omniseg run hung: \(run.err)")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("succeeded") && run.out.contains("probe:"), "\(run.out)")
        #expect(run.err.contains("another coordinator serves this workspace"), "it says where the job runs: \(run.err)")
    }

    @Test func aJobCancelledWhileQueuedNeverRunsAndStoresNothing() throws {
        let h = try ClusterHarness()
        try h.coordinator(["--start-delay-ms", "3000"])
        try h.worker()
        let id = try h.submit("probe")
        // The coordinator has prepared the job (its plan is in Redis) but not started it.
        #expect(try h.wait { try h.connection().run("HEXISTS", QueueKeys.job(id), "plan").integer == 1 })
        #expect(try JobQueueClient(connection: h.connection()).state(of: id) == .queued)
        let cancel = try h.omniseg(["cancel", id])
        #expect(cancel.status == 0, "\(cancel.err)")
        // The coordinator acknowledges the end of the job in its event stream.
        let ended = try h.wait(timeout: 30) { try h.events(id).contains { ["succeeded", "failed", "cancelled"].contains($0["state"] ?? "") } }
        #expect(ended)
        let states = try h.events(id).compactMap { $0["state"] }
        #expect(states == ["queued", "cancelled"], "it never ran, and ended cancelled: \(states)")
        let record = try JobQueueClient(connection: h.connection()).record(id)
        #expect(record.state == .cancelled && record.result == nil && record.tasksDone == 0)
        #expect(try h.workspaceResult(id) == nil, "nothing stored in the workspace")
        #expect(try h.omniseg(["result", id]).status == 3)
    }

    @Test func submitStatusAndWatchSayWhenNothingCanRunTheJob() throws {
        let h = try ClusterHarness()
        // No coordinator, no worker.
        let submit = try h.omniseg(["submit", "probe", "-w", h.workspacePath], timeout: 30)
        let id = submit.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(submit.status == 0 && id.hasPrefix("J"))
        #expect(submit.err.contains("no worker is alive") && submit.err.contains("no coordinator serves workspace"), "\(submit.err)")
        let status = try h.omniseg(["status", id], timeout: 30)
        #expect(status.out.contains("waiting: no worker is alive") && status.out.contains("waiting: no coordinator"), "\(status.out)")
        // A coordinator but still no worker: watch says so within a few seconds (it is killed after 8 s).
        try h.coordinator()
        #expect(try h.wait { try h.connection().run("EXISTS", QueueKeys.leader(Workspace.id(h))).integer == 1 })
        let watch = try h.omniseg(["watch", id], timeout: 8)
        #expect(watch.timedOut, "the job cannot finish without a worker")
        #expect(watch.err.contains("no worker is alive") && !watch.err.contains("no coordinator"), "\(watch.err)")
        // A worker arrives: the job runs, and status no longer warns.
        try h.worker()
        #expect(try h.finished(id, timeout: 60).state == .succeeded)
        #expect(!(try h.omniseg(["status", id], timeout: 30).out.contains("waiting:")))
    }

    @Test func progressEventsCountTheJobsOwnUnit() throws {
        let h = try ClusterHarness()
        try h.coordinator()
        try h.worker()
        let id = try h.submit("cluster", ["k=3", "max-iter=7", "seed=2"])
        #expect(try h.finished(id, timeout: 90).state == .succeeded)
        let progress = try h.events(id).filter { $0["unit"] != nil }
        #expect(!progress.isEmpty)
        #expect(progress.allSatisfy { $0["unit"] == "iterations" && $0["units_total"] == "9" }, "survey, 7 Lloyd iterations, labelling")
        let done = progress.compactMap { $0["units_done"].flatMap(Int.init) }
        #expect(done == done.sorted() && (done.last ?? 0) >= 3, "\(done)")
    }

    @Test func workerAndCoordinatorExit69WhenRedisIsUnreachableAtStart() throws {
        let h = try ClusterHarness()
        let nowhere = "redis://127.0.0.1:\(try ClusterHarness.freePort())/0"
        let worker = try h.launch(ClusterHarness.binaries + "/omniseg-worker", ["--redis", nowhere, "--redis-wait-seconds", "1"], log: "w.log")
        let coordinator = try h.launch(ClusterHarness.binaries + "/omniseg", ["coordinator", "-w", h.workspacePath, "--redis", nowhere,
                                                                              "--redis-wait-seconds", "1"], log: "c.log")
        // Before: both kept retrying (about a minute and more).
        #expect(h.wait(timeout: 30) { !worker.isRunning && !coordinator.isRunning })
        #expect(worker.terminationStatus == 69 && coordinator.terminationStatus == 69)
        #expect(h.log("w.log").contains("cannot reach Redis") && h.log("c.log").contains("cannot reach Redis"))
    }

    @Test func aWorkerStartedBeforeRedisJoinsOnceRedisIsUp() throws {
        let h = try ClusterHarness()
        h.stopRedis()
        let worker = try h.worker(["--redis-wait-seconds", "60"])
        try h.startRedis()
        #expect(try h.wait { try !JobQueueClient(connection: h.connection()).workers().filter(\.alive).isEmpty })
        #expect(worker.isRunning)
    }

    @Test func commandsSayWhichFeatureSetTheyDefaultTo() throws {
        let h = try ClusterHarness()
        let embedded = try h.omniseg(["run", "probe", "-w", h.workspacePath], redis: false)
        #expect(embedded.status == 0)
        #expect(embedded.err.contains("using feature set 1 (as of "), "\(embedded.err)")
        let id = try h.submit("probe")
        #expect(try JobQueueClient(connection: h.connection()).record(id).parameters["feature_set"] == "1", "the queued job names its set")
    }

    /// `submit` reads a kind's parameters from the options its schema makes, as `run` does.
    @Test func submitTakesTheKindsOwnOptions() throws {
        let h = try ClusterHarness()
        let r = try h.omniseg(["submit", "cluster", "-w", h.workspacePath, "--k", "3", "--max-iter=7", "--param", "seed=9"])
        #expect(r.status == 0, "\(r.err)")
        let record = try JobQueueClient(connection: h.connection()).record(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(record.parameters["k"] == "3" && record.parameters["max-iter"] == "7" && record.parameters["seed"] == "9", "\(record.parameters)")
        let bad = try h.omniseg(["submit", "cluster", "-w", h.workspacePath, "--max-iter", "0"])
        #expect(bad.status != 0 && bad.err.contains("'max-iter' must be an integer from 1 to 10000"), "\(bad.err)")
    }

    @Test func aRedisThatLostItsDataDoesNotHandOutAJobIdAgain() throws {
        let h = try ClusterHarness()
        try h.coordinator()
        try h.worker()
        let first = try h.submit("probe")
        #expect(try h.finished(first).state == .succeeded)
        #expect(try h.wait { try h.workspaceResult(first) != nil })
        try h.connection().run("FLUSHALL")  // as a restart without persistence leaves it
        let second = try h.submit("probe")
        // Before: the sequence restarted and the new job took the id J1 again.
        #expect(first == "J1" && second == "J2", "\(first), then \(second)")
    }

    @Test func aRunningJobWhoseRecordRedisLostIsQueuedAgainAndEndsWithTheSameResult() throws {
        let h = try ClusterHarness()
        let parameters = ["k=3", "seed=2", "max-iter=6", "feature_set=1"]
        let reference = try h.embeddedResult("cluster", parameters)
        try h.coordinator()
        try h.worker(["--task-delay-ms", "150"])
        let id = try h.submit("cluster", parameters)
        _ = try h.waitForJob(id) { $0.tasksDone >= 2 || $0.iteration >= 1 }
        let watch = try h.launch(ClusterHarness.binaries + "/omniseg", ["watch", id, "--redis", h.url], log: "watch.log")
        #expect(try h.wait { h.log("watch.log").contains(id) }, "watch follows the job before the loss")
        try h.connection().run("FLUSHALL")  // as a restart without persistence leaves it
        // Before: the coordinator dispatched iteration 0 again every few seconds, forever; then it failed the job.
        let record = try h.finished(id, timeout: 120)
        #expect(record.state == .succeeded, "\(record.json)")
        // (Reading a running process's termination status traps: check that it ended first.)
        let watchEnded = h.wait { !watch.isRunning }
        #expect(watchEnded, "watch is still running after the job ended: \(h.log("watch.log"))")
        if watchEnded {
            #expect(watch.terminationStatus == 0 && h.log("watch.log").contains("\(id) succeeded"), "watch follows it through the loss: \(h.log("watch.log"))")
        }
        #expect(try h.connection().run("HGET", QueueKeys.job(id), "requeued").text == "1", "it was queued again from the workspace")
        #expect(try h.workspaceResult(id) == reference, "the job that ran again gives the embedded result")
        let ledger = JobLedger(workspace: try Workspace(path: h.workspacePath))
        #expect(try ledger.entry(id)?.state == "succeeded")
        // The sequence went on above it: the next job has a new id.
        let next = try h.submit("probe")
        #expect(next != id && Int(next.dropFirst()) ?? 0 > Int(id.dropFirst()) ?? 0, "\(id), then \(next)")
    }

    @Test func aQueuedJobRedisLostIsQueuedAgainAndRuns() throws {
        let h = try ClusterHarness()
        // One job at a time: the second waits in the queue behind the first, which runs until the flush.
        try h.coordinator(["--max-jobs", "1"])
        try h.worker(["--task-delay-ms", "150"])
        let running = try h.submit("probe", ["iterations=8"])
        let queued = try h.submit("profile", ["feature_set=1"])
        _ = try h.waitForJob(running) { $0.tasksDone >= 1 }
        let ledger = JobLedger(workspace: try Workspace(path: h.workspacePath))
        // The coordinator records the waiting job in the workspace as soon as it sees it.
        #expect(try h.wait { try ledger.entry(queued)?.state == "queued" })
        #expect(try JobQueueClient(connection: h.connection()).state(of: queued) == .queued)
        try h.connection().run("FLUSHALL")
        // Before: the queued job vanished; `status` said it was not in Redis, and the workspace had no trace.
        for id in [running, queued] {
            let record = try h.finished(id, timeout: 120)
            #expect(record.state == .succeeded, "\(id): \(record.json)")
            #expect(try ledger.entry(id)?.state == "succeeded", "\(id)")
        }
        #expect(try h.workspaceResult(queued) != nil)
    }

    @Test func aJobCancelledWhileQueuedIsEndedInTheWorkspaceToo() throws {
        let h = try ClusterHarness()
        try h.coordinator(["--max-jobs", "1"])
        try h.worker(["--task-delay-ms", "150"])
        let running = try h.submit("probe", ["iterations=6"])
        let queued = try h.submit("profile", ["feature_set=1"])
        let ledger = JobLedger(workspace: try Workspace(path: h.workspacePath))
        #expect(try h.wait { try ledger.entry(queued)?.state == "queued" })
        #expect(try h.omniseg(["cancel", queued]).status == 0)
        // A job cancelled before the coordinator started it is ended in the ledger, not queued again.
        #expect(try h.wait(timeout: 30) { try ledger.entry(queued)?.state == "cancelled" })
        #expect(try h.finished(running, timeout: 120).state == .succeeded)
        #expect(try JobQueueClient(connection: h.connection()).state(of: queued) == .cancelled)
        #expect(try h.workspaceResult(queued) == nil)
    }
}

extension Workspace {
    /// The id of the harness's workspace.
    fileprivate static func id(_ h: ClusterHarness) throws -> String { try Workspace(path: h.workspacePath).id }
}
