import Foundation
@testable import JobRuntime
@testable import TestSupport
import Testing
@testable import Workspace
@testable import WorkspaceJobs

@Suite struct JobLedgerQueueTests {
    @Test func aQueuedClusterJobKeepsItsSpecUntilItEnds() throws {
        let dir = TemporaryDirectory()
        let ledger = JobLedger(workspace: try dir.workspace())
        let parameters = JobParameters(["k": "3"])
        try ledger.queued(id: "J4", kind: "cluster", parameters: parameters, submittedAt: 100, spec: [1, 2, 3])
        // Recorded again (the coordinator's next look, or the start): one row, the spec kept.
        try ledger.queued(id: "J4", kind: "cluster", parameters: parameters, submittedAt: 100, spec: [9])
        #expect(try ledger.unfinishedClusterJobs().map { "\($0.id) \($0.state) \($0.spec)" } == ["J4 queued [1, 2, 3]"])
        try ledger.start(id: "J4", kind: "cluster", parameters: parameters, mode: "cluster", submittedAt: 100, featureSet: 1)
        #expect(try ledger.unfinishedClusterJobs().map { "\($0.id) \($0.state)" } == ["J4 running"])
        try ledger.finish(id: "J4", state: .succeeded, result: [7], error: nil, at: 200)
        #expect(try ledger.unfinishedClusterJobs().isEmpty)
        // A job the coordinator starts without having seen it queued keeps the spec it starts with.
        try ledger.start(id: "J5", kind: "cluster", parameters: parameters, mode: "cluster", submittedAt: 250, featureSet: 1, spec: [4])
        #expect(try ledger.unfinishedClusterJobs().map { "\($0.id) \($0.state) \($0.spec)" } == ["J5 running [4]"])
        try ledger.finish(id: "J5", state: .failed, result: nil, error: "x", at: 260)
        // Embedded jobs are never queued again from here.
        _ = try ledger.startLocal(kind: "profile", parameters: JobParameters(), submittedAt: 300, featureSet: nil)
        #expect(try ledger.unfinishedClusterJobs().isEmpty)
    }

    @Test func aDifferentJobUnderATakenIdKeepsTheOldOne() throws {
        let dir = TemporaryDirectory()
        let ledger = JobLedger(workspace: try dir.workspace())
        try ledger.queued(id: "J1", kind: "profile", parameters: JobParameters(), submittedAt: 100, spec: [1])
        try ledger.finish(id: "J1", state: .succeeded, result: [5], error: nil, at: 150)
        try ledger.queued(id: "J1", kind: "cluster", parameters: JobParameters(["k": "2"]), submittedAt: 400, spec: [2])
        #expect(try ledger.entry("J1@100")?.result == [5], "the first J1 and its result are kept")
        #expect(try ledger.entry("J1")?.kind == "cluster")
        #expect(try ledger.unfinishedClusterJobs().map(\.id) == ["J1"])
    }
}
