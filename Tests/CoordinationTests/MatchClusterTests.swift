import Foundation
@testable import JobRuntime
@testable import Matching
@testable import TestSupport
import Testing
@testable import Workspace
@testable import WorkspaceJobs

/// Probabilistic matching on the cluster: the `match` job through a real Redis with one and with
/// three worker processes gives the embedded result byte for byte, and `resolve --probabilistic
/// --redis` links the same people as the embedded resolve.
@Suite(.serialized) struct MatchClusterTests {
    /// Every record's person and rule, in record order.
    func links(_ path: String) throws -> [String] {
        try Workspace(path: path).db.rows("SELECT source, source_id, person_id, rule FROM person_link ORDER BY source, source_id").map { row in
            row.map { $0.text ?? $0.integer.map(String.init) ?? "" }.joined(separator: ",")
        }
    }

    @Test func matchingOnOneAndThreeWorkersEqualsEmbeddedAndResolvesTheSamePeople() throws {
        let h = try ClusterHarness()
        let reference = h.dir.file("reference.sqlite")
        try FileManager.default.copyItem(atPath: h.workspacePath, toPath: reference)
        let embedded = try h.omniseg(["run", "match", "-w", reference, "--quiet", "--record-blocks", "5", "--threads", "2"], redis: false)
        #expect(embedded.status == 0, "\(embedded.err)")
        let embeddedID = embedded.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = try #require(try JobLedger(workspace: Workspace(path: reference)).entry(embeddedID)?.result)
        let result = try MatchResult(decoding: try MatchJob.resultBody(expected))
        #expect(result.candidates > result.links.count && !result.links.isEmpty, "the fixture has pairs no exact key links: \(result.candidates) candidates")

        try h.coordinator()
        try h.worker()
        let one = try h.submit("match", ["record-blocks=5"])
        #expect(try h.finished(one).state == .succeeded)
        #expect(try h.workspaceResult(one) == expected, "one worker: the embedded result")
        try h.worker()
        try h.worker()
        let three = try h.submit("match", ["record-blocks=5"])
        #expect(try h.finished(three).state == .succeeded)
        #expect(try h.workspaceResult(three) == expected, "three workers: the embedded result")
        let shown = try h.omniseg(["result", three])
        #expect(shown.status == 0 && shown.out.contains("candidate pairs") && shown.out.contains("match weights"), "\(shown.out)")

        let before = try links(h.workspacePath)
        let local = try h.omniseg(["resolve", "-w", reference, "--probabilistic", "--record-blocks", "5"], redis: false)
        let distributed = try h.omniseg(["resolve", "-w", h.workspacePath, "--probabilistic", "--record-blocks", "5"])
        #expect(local.status == 0 && distributed.status == 0, "\(local.err) \(distributed.err)")
        #expect(distributed.out.contains("probabilistic (fitted a new model):") && distributed.out == local.out, "the same report:\n\(distributed.out)\n\(local.out)")
        let jobs = try Workspace(path: h.workspacePath).db.rows("SELECT mode, state FROM job WHERE kind = 'match' ORDER BY submitted_at")
        #expect(jobs.count == 3 && jobs.allSatisfy { $0[0].text == "cluster" && $0[1].text == "succeeded" }, "resolve ran its match job on the cluster: \(jobs)")
        let after = try links(h.workspacePath)
        #expect(after == (try links(reference)), "the same people, ids and rules as the embedded resolve")
        #expect(after != before && after.contains { $0.hasSuffix(",probabilistic") }, "matching linked records the exact keys left apart")

        // The model is kept: --full scores every pair with it on the workers; without --full only new
        // and changed records are compared, in this process.
        let localFull = try h.omniseg(["resolve", "-w", reference, "--probabilistic", "--full", "--record-blocks", "5"], redis: false)
        let distributedFull = try h.omniseg(["resolve", "-w", h.workspacePath, "--probabilistic", "--full", "--record-blocks", "5"])
        #expect(distributedFull.status == 0 && distributedFull.out.contains("(stored model, every pair)") && distributedFull.out == localFull.out,
                "\(distributedFull.out)\(distributedFull.err)\n\(localFull.out)")
        let incremental = try h.omniseg(["resolve", "-w", h.workspacePath, "--probabilistic", "--record-blocks", "5"])
        #expect(incremental.status == 0 && incremental.out.contains("(stored model, new and changed records): 0 new or changed records, 0 pairs compared"),
                "\(incremental.out)\(incremental.err)")
        let matchJobs = try Workspace(path: h.workspacePath).db.rows("SELECT state FROM job WHERE kind = 'match'")
        #expect(matchJobs.count == 4, "the full pass ran on the cluster, the incremental one did not: \(matchJobs)")
        #expect(try links(h.workspacePath) == after, "the same people throughout")
    }
}
