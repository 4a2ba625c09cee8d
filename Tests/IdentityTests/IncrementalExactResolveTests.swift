import Foundation
@testable import Identity
@testable import Ingest
import Matching
import OmnisegCore
@testable import Synthetic
@testable import TestSupport
import Testing
@testable import Workspace

/// A resolve without matching reads only the records changed since the last one (and what they link
/// or linked to), and leaves the workspace exactly as a resolve of every record does.
@Suite struct IncrementalExactResolveTests {
    /// Everything a resolve leaves, times left out.
    static func tables(_ workspace: Workspace) throws -> [[SQLiteValue]] {
        try ["SELECT * FROM person_link ORDER BY 1, 2", "SELECT * FROM person ORDER BY 1",
             "SELECT generation, event, person_id, other_id, records, reason FROM person_history ORDER BY 1, 2, 3, 4",
             "SELECT generation, records, people, created, merged, split FROM identity_generation ORDER BY 1",
             "SELECT * FROM identity_key ORDER BY 1, 2, 3, 4", "SELECT * FROM match_record ORDER BY 1, 2", "SELECT * FROM match_pair ORDER BY 1, 2, 3, 4"]
            .flatMap { try workspace.db.rows($0) + [[.text("—")]] }
    }

    /// The same change, made to both workspaces: what ingest, erasure and `match label` do to the
    /// tables a resolve reads (the triggers see them as they see those writers).
    struct Edit {
        var sql: String
        var values: [SQLiteValue]
    }

    /// A round of edits drawn from the records as they are: e-mails copied from other records (merges),
    /// fresh e-mails (splits), one phone put on many records (a key that becomes shared), phones
    /// dropped, records deleted and added, and labels.
    static func edits(_ db: SQLiteConnection, _ rng: inout SplitMix64, count: Int) throws -> [Edit] {
        let keys = try db.rows("SELECT source, source_id, phone FROM customer_record ORDER BY 1, 2")
        func pick() -> [SQLiteValue] { keys[Int.random(in: 0..<keys.count, using: &rng)] }
        var edits: [Edit] = []
        for n in 0..<count {
            let a = pick(), b = pick()
            switch Int.random(in: 0..<11, using: &rng) {
            case 10:
                // Three more records in each of a's blocks: blocks grow past the largest compared.
                for _ in 0..<3 {
                    let c = pick()
                    edits.append(Edit(sql: """
                        UPDATE customer_record SET (first_name, last_name, birth_date, postcode) =
                            (SELECT first_name, last_name, birth_date, postcode FROM customer_record WHERE source = ? AND source_id = ?)
                        WHERE source = ? AND source_id = ?
                        """, values: [a[0], a[1], c[0], c[1]]))
                }
            case 8:
                edits.append(Edit(sql: "UPDATE customer_record SET last_name = last_name || 'e', first_name = (SELECT first_name FROM customer_record WHERE source = ? AND source_id = ?) WHERE source = ? AND source_id = ?",
                                  values: [b[0], b[1], a[0], a[1]]))
            case 9:
                edits.append(Edit(sql: "UPDATE customer_record SET postcode = (SELECT postcode FROM customer_record WHERE source = ? AND source_id = ?), birth_date = NULL WHERE source = ? AND source_id = ?",
                                  values: [b[0], b[1], a[0], a[1]]))
            case 0, 1:
                edits.append(Edit(sql: "UPDATE customer_record SET email = (SELECT email FROM customer_record WHERE source = ? AND source_id = ?) WHERE source = ? AND source_id = ?",
                                  values: [b[0], b[1], a[0], a[1]]))
            case 2:
                edits.append(Edit(sql: "UPDATE customer_record SET email = ? WHERE source = ? AND source_id = ?", values: [.text("fresh\(n)@example.org"), a[0], a[1]]))
            case 3:
                // Onto eight more records: the phone becomes shared (more than eight records carry it).
                for _ in 0..<8 {
                    let c = pick()
                    edits.append(Edit(sql: "UPDATE customer_record SET phone = ? WHERE source = ? AND source_id = ?", values: [a[2], c[0], c[1]]))
                }
            case 4:
                edits.append(Edit(sql: "UPDATE customer_record SET phone = NULL, loyalty_id = NULL WHERE source = ? AND source_id = ?", values: [a[0], a[1]]))
            case 5:
                edits.append(Edit(sql: "DELETE FROM customer_record WHERE source = ? AND source_id = ?", values: [a[0], a[1]]))
            case 6:
                edits.append(Edit(sql: """
                    INSERT OR IGNORE INTO customer_record (source, source_id, email, phone, loyalty_id, first_name, last_name, birth_date, file_id, line)
                    SELECT 'web', 'added\(n)', email, phone, NULL, first_name, last_name, birth_date, file_id, line FROM customer_record
                    WHERE source = ? AND source_id = ?
                    """, values: [a[0], a[1]]))
            default:
                let (x, y) = (a[0].text ?? "", a[1].text ?? "") < (b[0].text ?? "", b[1].text ?? "") ? (a, b) : (b, a)
                guard x != y else { continue }
                edits.append(Edit(sql: """
                    INSERT INTO match_label (source_a, source_id_a, source_b, source_id_b, same, labelled_at) VALUES (?, ?, ?, ?, ?, 0)
                    ON CONFLICT DO UPDATE SET same = excluded.same
                    """, values: [x[0], x[1], y[0], y[1], .integer(Int64(n % 2))]))
            }
        }
        return edits
    }

    /// With matching: a review band wide enough that many pairs are stored, and blocks small enough
    /// that edits push blocks over and under the largest compared.
    static let matching = {
        var options = MatchOptions()
        options.reviewThreshold = 0.01
        options.maxBlock = 6
        return options
    }()

    @Test(arguments: [false, true]) func rounds_of_edits_resolve_as_a_full_resolve_does(matching: Bool) throws {
        let partOptions = ResolveOptions(probabilistic: matching ? Self.matching : nil)
        let everyOptions = ResolveOptions(probabilistic: matching ? Self.matching : nil, matchScope: matching ? .allPairs : .incremental, everyRecord: true)
        let source = TemporaryDirectory()
        var generator = GeneratorOptions(people: 1500, seed: 77)
        generator.identityNoise = .hard
        _ = try RetailerGenerator(options: generator).write(to: source.path)
        let lines = try String(contentsOfFile: source.file("customers.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let cut = (lines.count - 1) * 9 / 10
        let base = lines[...cut].joined(separator: "\n") + "\n", later = ([lines[0]] + lines[(cut + 1)...]).joined(separator: "\n") + "\n"

        let a = TemporaryDirectory(), b = TemporaryDirectory()
        let incremental = try a.workspace(), full = try b.workspace()
        for (dir, workspace) in [(a, incremental), (b, full)] {
            _ = try Ingester(workspace: workspace, progressStyle: .silent).ingest(file: dir.write("base.csv", base), options: IngestOptions(kind: .customers))
        }
        let first = try IdentityResolver(options: partOptions).resolve(incremental)
        _ = try IdentityResolver(options: everyOptions).resolve(full)
        #expect(first.changedRecords == nil, "the first resolve reads every record")
        #expect(try Self.tables(incremental) == (try Self.tables(full)))

        // The rest of the file through ingest, then rounds of edits.
        for (dir, workspace) in [(a, incremental), (b, full)] {
            _ = try Ingester(workspace: workspace, progressStyle: .silent).ingest(file: dir.write("later.csv", later), options: IngestOptions(kind: .customers))
        }
        var rng = SplitMix64(seed: 2026)
        var resolvedAgain: [Int] = []
        for round in 0..<6 {
            if round > 0 {
                for edit in try Self.edits(incremental.db, &rng, count: 25) {
                    try incremental.db.run(edit.sql, edit.values)
                    try full.db.run(edit.sql, edit.values)
                }
            }
            let part = try IdentityResolver(options: partOptions).resolve(incremental)
            let every = try IdentityResolver(options: everyOptions).resolve(full)
            let changed = try #require(part.changedRecords, "round \(round) resolved incrementally")
            #expect(every.changedRecords == nil)
            if matching { #expect(part.matchRun == .incremental && part.dirtyRecords > 0 && part.candidatePairs > 0 && every.matchRun == .storedModel) }
            #expect(changed > 0 && part.resolvedAgain >= changed && part.resolvedAgain < every.records / 4,
                    "round \(round): \(changed) changed, \(part.resolvedAgain) resolved again of \(every.records)")
            #expect((part.records, part.people, part.generation, part.created, part.merged, part.split)
                    == (every.records, every.people, every.generation, every.created, every.merged, every.split), "round \(round)")
            #expect(try Self.tables(incremental) == (try Self.tables(full)), "round \(round): the same people, ids, history and keys")
            #expect(try incremental.db.scalar("SELECT count(*) FROM identity_change")?.integer == 0)
            resolvedAgain.append(part.resolvedAgain)
        }
        #expect(resolvedAgain.contains { $0 > 0 })

        // Nothing changed: nothing is read, nothing changes.
        let tables = try Self.tables(incremental)
        let again = try IdentityResolver(options: partOptions).resolve(incremental)
        #expect(again.changedRecords == 0 && again.resolvedAgain == 0)
        #expect(try Self.tables(incremental) == tables)
    }

    /// A link the guard refused (the two records' e-mails conflict) holds once one record loses its
    /// e-mail: the other record, outside everything else that changed, is resolved again too.
    @Test func a_refused_link_that_now_holds_is_made() throws {
        let header = IdentityResolverTests.header
        let twins = "crm,TWIN-A,quentin.a@x.org,,,Quentin,Vandersloot,M,1971-03-14,12 Larkspur Lane,60614,Chicago\n"
            + "web,TWIN-B,quentin.b@y.org,,,Quentin,Vandersloot,M,1971-03-14,12 Larkspur Lane,60614,Chicago\n"
        func resolved(_ every: Bool) throws -> (ResolveReport, [[SQLiteValue]]) {
            let dir = TemporaryDirectory()
            let workspace = try MatchReviewTests.workspace(dir, people: 1000)
            let ingester = Ingester(workspace: workspace, progressStyle: .silent)
            _ = try ingester.ingest(file: dir.write("twins.csv", header + twins), options: IngestOptions(kind: .customers))
            _ = try IdentityResolver(options: ResolveOptions(probabilistic: Self.matching)).resolve(workspace)
            let apart = try workspace.db.rows("SELECT DISTINCT person_id FROM person_link WHERE source_id LIKE 'TWIN-%'")
            #expect(apart.count == 2, "the conflicting e-mails keep the twins apart")
            _ = try ingester.ingest(file: dir.write("a.csv", header + "crm,TWIN-A,,,,Quentin,Vandersloot,M,1971-03-14,12 Larkspur Lane,60614,Chicago\n"),
                                    options: IngestOptions(kind: .customers))
            let options = ResolveOptions(probabilistic: Self.matching, matchScope: every ? .allPairs : .incremental, everyRecord: every)
            return (try IdentityResolver(options: options).resolve(workspace), try Self.tables(workspace))
        }
        let (part, partTables) = try resolved(false)
        let (every, everyTables) = try resolved(true)
        #expect(part.changedRecords == 1 && part.resolvedAgain >= 2 && every.changedRecords == nil)
        #expect(part.merged == 1 && every.merged == 1, "the twins are one person now")
        #expect(partTables == everyTables)
    }

    /// A block of eight namesakes is too large to compare (largest 6); two of them renamed, the six
    /// left are compared, although none of them changed.
    @Test func a_block_that_becomes_small_enough_compares_its_unchanged_members() throws {
        let header = IdentityResolverTests.header
        let namesakes = (0..<8).map { "crm,NS-\($0),ns\($0)@x.org,,,Ottilie,Brackwater,F,1966-09-0\($0 % 2 + 1),\($0) Elm Road,30301,Atlanta\n" }
        func resolved(_ every: Bool) throws -> (ResolveReport, [[SQLiteValue]], Int64) {
            let dir = TemporaryDirectory()
            let workspace = try MatchReviewTests.workspace(dir, people: 1000)
            let ingester = Ingester(workspace: workspace, progressStyle: .silent)
            _ = try ingester.ingest(file: dir.write("ns.csv", header + namesakes.joined()), options: IngestOptions(kind: .customers))
            _ = try IdentityResolver(options: ResolveOptions(probabilistic: Self.matching)).resolve(workspace)
            let renamed = namesakes.prefix(2).map { $0.replacingOccurrences(of: "Ottilie,Brackwater", with: "Ruth,Oyelaran") }
            _ = try ingester.ingest(file: dir.write("renamed.csv", header + renamed.joined()), options: IngestOptions(kind: .customers))
            let options = ResolveOptions(probabilistic: Self.matching, matchScope: every ? .allPairs : .incremental, everyRecord: every)
            let report = try IdentityResolver(options: options).resolve(workspace)
            let pairs = try workspace.db.scalar("SELECT count(*) FROM match_pair WHERE source_id_a LIKE 'NS-%' AND source_id_b LIKE 'NS-%'")?.integer ?? 0
            return (report, try Self.tables(workspace), pairs)
        }
        let (part, partTables, partPairs) = try resolved(false)
        let (every, everyTables, everyPairs) = try resolved(true)
        #expect(part.changedRecords == 2 && every.changedRecords == nil)
        #expect(everyPairs >= 6, "the six namesakes left are compared (those born the same day score in the review band): \(everyPairs) pairs stored")
        #expect(partPairs == everyPairs)
        #expect(partTables == everyTables)
    }

    /// A resolve that reads every record resolves the changes logged before it read; a record
    /// ingested while it read stays in the log for the next resolve (even on a first resolve).
    @Test func changes_logged_while_a_full_resolve_reads_are_kept() throws {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        func ingest(_ id: String) throws {
            _ = try ingester.ingest(file: dir.write("\(id).csv", IdentityResolverTests.header + "crm,\(id),a@x.org,,,,,,,,,\n"), options: IngestOptions(kind: .customers))
        }
        try ingest("A")
        let index = IdentityKeyIndex(db: workspace.db)
        #expect(try workspace.db.scalar("SELECT count(*) FROM identity_change")?.integer == 0, "no index yet: nothing is logged")
        let seen = try index.startFullRead()
        try ingest("B")
        var report = ResolveReport()
        let read = try IdentityResolver().loadRecords(workspace, matchFields: false, &report).filter { $0.sourceID == "A" }
        try index.replace(read, fingerprint: IdentityKeyIndex.fingerprint(ResolveOptions()), changesUpTo: seen)
        #expect(try workspace.db.rows("SELECT source_id FROM identity_change") == [[.text("B")]])
    }

    @Test func other_options_or_matching_since_make_a_full_resolve() throws {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        _ = try Ingester(workspace: workspace, progressStyle: .silent).ingest(
            file: dir.write("c.csv", IdentityResolverTests.header + "crm,A,ann@x.com,415-555-0101,,Ann,,,,,,\nweb,B,ann@x.com,,,Ann,,,,,,\n"),
            options: IngestOptions(kind: .customers))
        #expect(try IdentityResolver().resolve(workspace).changedRecords == nil)
        #expect(try IdentityResolver().resolve(workspace).changedRecords == 0)
        // Keys read with another shared-key limit or country code are not the keys this resolve needs.
        #expect(try IdentityResolver(options: ResolveOptions(maxRecordsPerKey: 3)).resolve(workspace).changedRecords == nil)
        #expect(try IdentityResolver(options: ResolveOptions(maxRecordsPerKey: 3)).resolve(workspace).changedRecords == 0)
        // A matching resolve's people are not the exact keys' alone: the next exact resolve reads everything.
        _ = try IdentityResolver(options: ResolveOptions(maxRecordsPerKey: 3, probabilistic: MatchOptions())).resolve(workspace)
        #expect(try IdentityResolver(options: ResolveOptions(maxRecordsPerKey: 3)).resolve(workspace).changedRecords == nil)
    }

    @Test func the_triggers_log_what_changes_who_is_who_and_nothing_else() throws {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        let header = IdentityResolverTests.header
        _ = try ingester.ingest(file: dir.write("c.csv", header + "crm,A,ann@x.com,,,Ann,,F,,,,\nweb,B,bo@x.com,,,Bo,,,,,,\n"), options: IngestOptions(kind: .customers))
        _ = try IdentityResolver().resolve(workspace)
        func logged() throws -> [String] {
            try workspace.db.rows("SELECT source || ':' || source_id || ' ' || coalesce(email, '-') FROM identity_change ORDER BY id").map { $0[0].text ?? "" }
        }
        #expect(try logged().isEmpty)
        // The same record again with another gender only: not an identifying field.
        _ = try ingester.ingest(file: dir.write("c2.csv", header + "crm,A,ann@x.com,,,Ann,,X,,,,\n"), options: IngestOptions(kind: .customers))
        #expect(try logged().isEmpty)
        // A new e-mail logs the record with the e-mail it had (so the key it gave up is known).
        _ = try ingester.ingest(file: dir.write("c3.csv", header + "crm,A,ann@y.com,,,Ann,,X,,,,\n"), options: IngestOptions(kind: .customers))
        #expect(try logged() == ["crm:A ann@x.com", "crm:A -"])
        let resolved = try IdentityResolver().resolve(workspace)
        #expect(resolved.changedRecords == 1 && resolved.resolvedAgain == 1)
        #expect(try workspace.db.scalar("SELECT count(*) FROM identity_key WHERE value = 'ann@y.com'")?.integer == 1)
        #expect(try workspace.db.scalar("SELECT count(*) FROM identity_key WHERE value = 'ann@x.com'")?.integer == 0)
        // A label logs both records; an erased record logs itself and leaves no link behind.
        try MatchStore(workspace: workspace).label(RecordKey(source: "crm", sourceID: "A"), RecordKey(source: "web", sourceID: "B"), same: true)
        #expect(try logged() == ["crm:A -", "web:B -"])
        #expect(try IdentityResolver().resolve(workspace).people == 1)
        try workspace.db.run("DELETE FROM customer_record WHERE source = 'web'")
        let erased = try IdentityResolver().resolve(workspace)
        #expect(erased.records == 1 && erased.people == 1)
        #expect(try workspace.db.rows("SELECT source_id FROM person_link") == [[.text("A")]])
        #expect(try workspace.db.scalar("SELECT count(*) FROM identity_key WHERE source = 'web'")?.integer == 0)
    }
}
