@testable import Identity
import Matching
@testable import Ingest
@testable import OmnisegCore
@testable import Synthetic
@testable import TestSupport
import Testing
@testable import Workspace

/// The matcher's memory and its corrections: the stored model and review band, `match explain`'s
/// waterfall, and labels that override the model in the next resolve.
@Suite struct MatchReviewTests {
    /// Generated customers (no orders), ingested.
    static func workspace(_ dir: TemporaryDirectory, people: Int = 3000) throws -> Workspace {
        _ = try RetailerGenerator(options: GeneratorOptions(people: people, seed: 17)).write(to: dir.path)
        let workspace = try dir.workspace()
        _ = try Ingester(workspace: workspace, progressStyle: .silent).ingest(file: dir.file("customers.csv"), options: IngestOptions(kind: .customers))
        return workspace
    }

    static func person(_ key: RecordKey, in workspace: Workspace) throws -> Int64? {
        try workspace.db.scalar("SELECT person_id FROM person_link WHERE source = ? AND source_id = ?", [.text(key.source), .text(key.sourceID)])?.integer
    }

    static let probabilistic = ResolveOptions(probabilistic: {
        var options = MatchOptions()
        options.reviewThreshold = 0.01
        return options
    }())

    @Test func theModelAndReviewBandAreKeptAndExplainedAsTheResolveScoredThem() throws {
        let dir = TemporaryDirectory()
        let workspace = try Self.workspace(dir)
        let report = try IdentityResolver(options: Self.probabilistic).resolve(workspace)
        #expect(report.phases.phases.map(\.name) == ["exact keys", "match", "link matches", "write"], "--timings shows every phase, in order")
        let store = MatchStore(workspace: workspace)
        let stored = try #require(try store.model())
        #expect(stored.generation == report.generation && stored.linkThreshold == MatchOptions().linkThreshold && stored.reviewThreshold == 0.01)
        #expect(try MatchModel(decoding: stored.model.encoded) == stored.model)

        let (pairs, total) = try store.review(limit: 1000)
        #expect(total == report.reviewPairs && total > 0, "\(report)")
        #expect(pairs.allSatisfy { $0.probability >= 0.01 && $0.probability < stored.linkThreshold })
        #expect(zip(pairs, pairs.dropFirst()).allSatisfy { $0.0.probability >= $0.1.probability })

        // Each listed pair is explained with the probability and weight it was listed with.
        for pair in pairs.prefix(50) {
            let a = try #require(try store.record(pair.a)), b = try #require(try store.record(pair.b))
            let e = MatchExplanation(a.record, b.record, model: stored.model, linkThreshold: stored.linkThreshold, reviewThreshold: stored.reviewThreshold)
            #expect(e.decision == .review && e.probability == pair.probability)
            #expect(abs(e.totalWeight - pair.weight) < 1e-9 && abs(e.priorWeight + e.fields.map(\.weight).reduce(0, +) - e.totalWeight) < 1e-9)
            for f in e.fields where f.level == nil { #expect(f.weight == 0 && (f.a.isEmpty || f.b.isEmpty), "\(f.name): a missing side is no evidence") }
        }
        let first = try #require(pairs.first)
        let json = MatchExplanation(try #require(try store.record(first.a)).record, try #require(try store.record(first.b)).record,
                                    model: stored.model, linkThreshold: stored.linkThreshold, reviewThreshold: 0.01).json
        #expect(json.contains("\"decision\":\"review\"") && json.contains("\"field\":\"last_name\""))
    }

    @Test func labelsOverrideTheModelFromTheNextResolveOn() throws {
        let dir = TemporaryDirectory()
        let workspace = try Self.workspace(dir)
        _ = try IdentityResolver(options: Self.probabilistic).resolve(workspace)
        let store = MatchStore(workspace: workspace)

        // --same on the most probable pair left for review: one person, linked by the label, off the list.
        let top = try #require(try store.review(limit: 1).pairs.first)
        #expect(try Self.person(top.a, in: workspace) != Self.person(top.b, in: workspace))
        try store.label(top.a, top.b, same: true)
        #expect(try store.label(of: top.b, top.a) == true)

        // --different on a record the model linked to another: apart again, the link refused.
        let linked = try #require(try workspace.db.rows("""
            SELECT a.source, a.source_id, b.source, b.source_id FROM person_link a JOIN person_link b ON a.person_id = b.person_id
            WHERE a.rule = 'probabilistic' AND (b.source, b.source_id) != (a.source, a.source_id) ORDER BY 1, 2, 3, 4 LIMIT 1
            """).first)
        let x = RecordKey(source: linked[0].text ?? "", sourceID: linked[1].text ?? ""), y = RecordKey(source: linked[2].text ?? "", sourceID: linked[3].text ?? "")
        try store.label(x, y, same: false)

        // A pair the exact keys join, labelled different: a warning, not a silent split.
        let byEmail = try #require(try workspace.db.rows("""
            SELECT a.source, a.source_id, b.source, b.source_id FROM person_link a JOIN person_link b ON a.person_id = b.person_id
            WHERE a.rule = 'email' AND b.rule = 'email' AND (a.source, a.source_id) < (b.source, b.source_id) ORDER BY 1, 2, 3, 4 LIMIT 1
            """).first)
        let e1 = RecordKey(source: byEmail[0].text ?? "", sourceID: byEmail[1].text ?? ""), e2 = RecordKey(source: byEmail[2].text ?? "", sourceID: byEmail[3].text ?? "")
        try store.label(e1, e2, same: false)

        let report = try IdentityResolver(options: Self.probabilistic).resolve(workspace)
        #expect(try Self.person(top.a, in: workspace) == Self.person(top.b, in: workspace))
        #expect(report.labelledSame == 1)
        #expect(try Self.person(x, in: workspace) != Self.person(y, in: workspace))
        #expect(report.labelRefused >= 1)
        #expect(report.labelConflicts.map { "\($0.0) \($0.1)" } == ["\(e1) \(e2)"])
        #expect(try Self.person(e1, in: workspace) == Self.person(e2, in: workspace), "a label does not undo an exact key")
        let listed = try store.review(limit: 100_000).pairs
        #expect(!listed.contains { Set([$0.a, $0.b]) == Set([top.a, top.b]) || Set([$0.a, $0.b]) == Set([x, y]) })

        // The same label holds without probabilistic matching too.
        _ = try IdentityResolver().resolve(workspace)
        #expect(try Self.person(top.a, in: workspace) == Self.person(top.b, in: workspace))
    }

    @Test func badRecordsAndModelsAreRefusedByName() throws {
        #expect { try RecordKey(parsing: "C1042") } throws: { "\($0)".contains("expected SOURCE:ID") }
        #expect(try RecordKey(parsing: "web:a:b") == RecordKey(source: "web", sourceID: "a:b"))
        let dir = TemporaryDirectory()
        let workspace = try Self.workspace(dir, people: 50)
        let store = MatchStore(workspace: workspace)
        #expect(try store.model() == nil)
        #expect { try store.label(RecordKey(source: "pos", sourceID: "nope"), RecordKey(source: "web", sourceID: "nope"), same: true) } throws: {
            "\($0)".contains("no customer record pos:nope")
        }
        let model = MatchModel(fields: ProbabilisticLinker.fields, u: ProbabilisticLinker.fields.map { f in (0..<f.levels).map { _ in 1 / Double(f.levels) } })
        let bytes = model.encoded
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: OmnisegError.self) { try MatchModel(decoding: Array(bytes.prefix(cut))) }
        }
        // A model of other fields is refused where it is read back.
        let other = MatchModel(fields: [("first_name", 6), ("last_name", 6)], u: [[Double]](repeating: [Double](repeating: 1.0 / 6, count: 6), count: 2))
        try workspace.db.run("INSERT INTO match_model (generation, fitted_at, link_threshold, review_threshold, candidates, model) VALUES (1, 0, 0.9, 0.5, 0, ?)",
                             [.blob(other.encoded)])
        #expect { try store.model() } throws: { "\($0)".contains("compares other fields") }
        var bad = bytes
        bad[bad.count - 1] = 0x7F // λ's top byte: not in (0, 1)
        #expect(throws: OmnisegError.self) { try MatchModel(decoding: bad) }
    }
}
