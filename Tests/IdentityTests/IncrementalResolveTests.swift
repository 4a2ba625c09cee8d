import Foundation
@testable import Identity
import Matching
@testable import Ingest
@testable import Synthetic
@testable import TestSupport
import Testing
@testable import Workspace

/// A probabilistic resolve after new files compares only the new and changed records against the
/// stored blocking index, and gives the people a full pass with the same model gives.
@Suite struct IncrementalResolveTests {
    static let options = ResolveOptions(probabilistic: {
        var options = MatchOptions()
        options.reviewThreshold = 0.01
        return options
    }())

    /// Everything a resolve leaves: links, history, the review band and the blocking index.
    static func tables(_ workspace: Workspace) throws -> [[SQLiteValue]] {
        try ["SELECT * FROM person_link ORDER BY 1, 2", "SELECT generation, event, person_id, other_id, records, reason FROM person_history ORDER BY 1, 2, 3, 4",
"SELECT * FROM match_pair ORDER BY 1, 2, 3, 4", "SELECT * FROM match_record ORDER BY 1, 2"]
            .flatMap { try workspace.db.rows($0) + [[.text("—")]] }
            + (try MatchStore(workspace: workspace).review(limit: 1_000_000).pairs.map { [.text("\($0)")] })
    }

    @Test func newAndChangedRecordsAreComparedAloneAndTheResultEqualsAFullPass() throws {
        let source = TemporaryDirectory()
        var generator = GeneratorOptions(people: 3000, seed: 31)
        generator.identityNoise = .hard
        _ = try RetailerGenerator(options: generator).write(to: source.path)
        let lines = try String(contentsOfFile: source.file("customers.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0], rows = Array(lines.dropFirst())
        let cut = rows.count * 85 / 100
        // The later file: the last 15 % of the records, and 40 earlier ones whose last name was retyped.
        let lastName = try #require(header.split(separator: ",").firstIndex(of: "last_name"))
        let changed = rows[..<cut].enumerated().filter { $0.offset % 50 == 7 && !$0.element.contains("\"") }.prefix(40).map { row -> String in
            var fields = row.element.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[lastName] += "e"
            return fields.joined(separator: ",")
        }
        #expect(changed.count == 40)
        let base = ([header] + rows[..<cut]).joined(separator: "\n") + "\n"
        let later = ([header] + rows[cut...] + changed).joined(separator: "\n") + "\n"

        /// Ingests the base, resolves (fitting the model), ingests the later file and resolves within `scope`.
        func run(_ dir: TemporaryDirectory, _ scope: MatchScope) throws -> (Workspace, fit: ResolveReport, then: ResolveReport) {
            try base.write(toFile: dir.file("base.csv"), atomically: true, encoding: .utf8)
            try later.write(toFile: dir.file("later.csv"), atomically: true, encoding: .utf8)
            let workspace = try dir.workspace()
            let ingester = Ingester(workspace: workspace, progressStyle: .silent)
            _ = try ingester.ingest(file: dir.file("base.csv"), options: IngestOptions(kind: .customers))
            let fit = try IdentityResolver(options: Self.options).resolve(workspace)
            _ = try ingester.ingest(file: dir.file("later.csv"), options: IngestOptions(kind: .customers))
            var options = Self.options
            options.matchScope = scope
            return (workspace, fit, try IdentityResolver(options: options).resolve(workspace))
        }
        let a = TemporaryDirectory(), b = TemporaryDirectory()
        let (incremental, fit, added) = try run(a, .incremental)
        let (full, _, fullPass) = try run(b, .allPairs)

        #expect(fit.matchRun == .fitted && added.matchRun == .incremental && fullPass.matchRun == .storedModel)
        #expect(added.changedRecords == rows.count - cut + changed.count && fullPass.changedRecords == nil, "only the changed part was read")
        #expect(added.records == rows.count && added.records == fullPass.records)
        #expect(added.dirtyRecords >= rows.count - cut + changed.count && added.dirtyRecords < rows.count / 4,
                "\(added.dirtyRecords) dirty of \(added.records)")
        #expect(added.candidatePairs * 3 < fullPass.candidatePairs, "\(added.candidatePairs) pairs compared, \(fullPass.candidatePairs) in a full pass")
        #expect(added.matchedPairs > 0 && added.generation == fit.generation + 1)
        let incrementalTables = try Self.tables(incremental)
        #expect(incrementalTables == (try Self.tables(full)), "the same people, history, review band and index")
        #expect(try incremental.db.scalar("SELECT count(*) FROM match_record")?.integer == Int64(rows.count))

        // Nothing new: nothing compared, nothing changes.
        let again = try IdentityResolver(options: Self.options).resolve(incremental)
        #expect(again.matchRun == .incremental && again.changedRecords == 0 && again.dirtyRecords == 0 && again.candidatePairs == 0
                && again.generation == added.generation)
        #expect(try Self.tables(incremental) == incrementalTables)

        // Another largest block rebuilds the index with the stored model; --refit fits a new one.
        var wider = Self.options
        wider.probabilistic?.maxBlock = 65
        #expect(try IdentityResolver(options: wider).resolve(incremental).matchRun == .storedModel)
        var refit = Self.options
        refit.matchScope = .refit
        #expect(try IdentityResolver(options: refit).resolve(incremental).matchRun == .fitted)
    }
}
