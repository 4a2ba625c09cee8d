import ChurnWorkspace
import FeatureStore
import Foundation
@testable import Identity
import Ingest
import JobRuntime
import OmnisegCore
import Segments
@testable import SegmentsWorkspace
@testable import TestSupport
import Testing
import Workspace

/// Person ids survive re-resolves; merges and splits are recorded; nothing built on an older identity
/// generation attaches one person's contacts to another's row.
@Suite struct StableIdentityTests {
    static let header = "source,source_id,email,phone,loyalty_id,first_name,last_name,gender,birth_date,street,postcode,city\n"
    static let first = """
        crm,A,ann@x.com,,,Ann,,F,,,,
        web,B,ann@x.com,,,Ann,,F,,,,
        pos,C,carl@x.com,,,Carl,,M,,,,
        pos,D,dora@x.com,,,Dora,,F,,,,
        web,E,eve@x.com,,,Eve,,F,,,,

        """
    // web:B is someone else after all (splits from Ann); web:F carries Carl's e-mail and the loyalty
    // card pos:D now shows, so Carl and Dora are one person (merge).
    static let second = """
        web,B,bob@x.com,,,Bob,,M,,,,
        pos,D,dora@x.com,,LY9999,Dora,,F,,,,
        web,F,carl@x.com,,LY9999,Carl,,M,,,,

        """
    static let purchases = """
        source,customer_id,timestamp,channel,sku,amount
        crm,A,2026-01-02,store,S1,10
        web,B,2026-01-03,web,S2,20
        pos,C,2026-01-04,store,S1,30
        pos,D,2026-01-05,store,S3,40
        web,E,2026-01-06,web,S2,50

        """
    static let laterPurchases = """
        source,customer_id,timestamp,channel,sku,amount
        web,F,2026-01-07,web,S3,60

        """

    func ids(_ workspace: Workspace) throws -> [String: Int64] {
        var links: [String: Int64] = [:]
        for row in try workspace.db.rows("SELECT source || ':' || source_id, person_id FROM person_link") { links[row[0].text ?? ""] = row[1].integer ?? 0 }
        return links
    }

    func ingest(_ workspace: Workspace, _ dir: TemporaryDirectory, customers: String, name: String) throws {
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        _ = try ingester.ingest(file: dir.write(name, Self.header + customers), options: IngestOptions(kind: .customers))
        let purchases = name == "c1.csv" ? Self.purchases : Self.laterPurchases
        _ = try ingester.ingest(file: dir.write("t-" + name, purchases), options: IngestOptions(kind: .transactions))
    }

    @Test func idsAreStableAcrossMergesAndSplitsAndOldFeatureSetsExportNoContacts() throws {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        try ingest(workspace, dir, customers: Self.first, name: "c1.csv")
        let report1 = try IdentityResolver().resolve(workspace)
        #expect(report1.generation == 1 && report1.created == 4 && report1.merged == 0 && report1.split == 0)
        let before = try ids(workspace)
        #expect(before["crm:A"] == 1 && before["web:B"] == 1 && before["pos:C"] == 2 && before["pos:D"] == 3 && before["web:E"] == 4)
        let store = FeatureStore(workspace: workspace)
        let old = try store.load(setID: store.save(FeatureBuilder().build(workspace)))
        #expect(old.people == PersonRows(ids: [1, 2, 3, 4], generation: 1))

        try ingest(workspace, dir, customers: Self.second, name: "c2.csv")
        let report2 = try IdentityResolver().resolve(workspace)
        #expect(report2.generation == 2 && report2.created == 1 && report2.merged == 1 && report2.split == 1)
        let after = try ids(workspace)
        #expect(after["crm:A"] == 1, "Ann keeps her id")
        #expect(after["web:B"] == 5, "the split-off record is a new person with the next id")
        #expect(after["pos:C"] == 2 && after["pos:D"] == 2 && after["web:F"] == 2, "the merged person keeps the oldest id")
        #expect(after["web:E"] == 4, "untouched people keep their ids")
        let history = try workspace.db.rows("SELECT generation, event, person_id, other_id, records FROM person_history ORDER BY id")
            .map { "\($0[0].integer ?? 0) \($0[1].text ?? "") \($0[2].integer ?? 0)→\($0[3].integer ?? 0) (\($0[4].integer ?? 0))" }
        #expect(history == ["2 merge 2→3 (1)", "2 split 1→5 (1)"])
        let retired = try workspace.db.rows("SELECT id, merged_into, retired_generation FROM person WHERE merged_into IS NOT NULL")
        #expect(retired.map { [$0[0].integer, $0[1].integer, $0[2].integer] } == [[3, 2, 2]])
        #expect(try IdentityGenerations.survivors(since: 1, in: workspace.db) == [3: 2])

        // Resolving again with nothing new changes nothing, not even the generation.
        let report3 = try IdentityResolver().resolve(workspace)
        #expect(report3.generation == 2)
        #expect(try ids(workspace) == after)
        #expect(try workspace.db.scalar("SELECT count(*) FROM identity_generation")?.integer == 2)

        // The old feature set's rows are generation 1's people: no contacts from it, and no rule reads records into it.
        let everyone = PersonBitset(count: old.rowCount) { _ in true }
        do {
            _ = try AudienceExport(workspace: workspace, matrix: old).write(members: everyone, format: .csv, to: dir.file("old.csv"))
            Issue.record("an audience was exported from a feature set of an older identity generation")
        } catch {
            #expect(error.code == .precondition && error.message.contains("rebuild features"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("old.csv")), "nothing was written")
        #expect(throws: OmnisegError.self) { try SegmentJob(parameters: JobParameters(["rule": "frequency >= 1"])).prepare(in: workspace, matrix: old) }

        // A new feature set: every exported person's e-mail is one of that person's own records.
        let new = try store.load(setID: store.save(FeatureBuilder().build(workspace)))
        #expect(new.people == PersonRows(ids: [1, 2, 4, 5], generation: 2))
        let path = dir.file("new.csv")
        #expect(try AudienceExport(workspace: workspace, matrix: new).write(members: PersonBitset(count: new.rowCount) { _ in true }, format: .csv, to: path) == 4)
        var exported: [Int64: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            exported[Int64(fields[0]) ?? 0] = String(fields[1])
        }
        #expect(exported == [1: "ann@x.com", 2: "carl@x.com", 4: "eve@x.com", 5: "bob@x.com"])
        for (person, email) in exported {
            let own = try workspace.db.rows("""
                SELECT r.email FROM person_link l JOIN customer_record r ON r.source = l.source AND r.source_id = l.source_id WHERE l.person_id = ?
                """, [.integer(person)]).compactMap { $0[0].text }
            #expect(own.contains(email), "person \(person)'s e-mail \(email) is one of their records' (\(own))")
        }
    }

    @Test func aLabelOfAPersonMergedSinceCountsForTheSurvivor() throws {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        try ingest(workspace, dir, customers: Self.first, name: "c1.csv")
        _ = try IdentityResolver().resolve(workspace)
        let labels = try ChurnStore(workspace: workspace).importLabels(csvAt: dir.write("labels.csv", "person_id,label\n3,1\n4,0\n"))
        #expect(throws: OmnisegError.self) { try ChurnStore(workspace: workspace).importLabels(csvAt: dir.write("bad.csv", "person_id,label\n99,1\n")) }
        try ingest(workspace, dir, customers: Self.second, name: "c2.csv")
        _ = try IdentityResolver().resolve(workspace)
        let people = try FeatureBuilder().build(workspace).people
        let loaded = try ChurnStore(workspace: workspace).labels(set: labels.id, people: people)
        // Rows: persons 1, 2, 4, 5. Person 3 (churned) is person 2 now.
        #expect(loaded.eligible == [false, true, true, false])
        #expect(loaded.labels == [0, 1, 0, 0])
    }
}
