@testable import Identity
@testable import Ingest
@testable import TestSupport
import Testing

@Suite struct IdentityResolverTests {
    static let header = "source,source_id,email,phone,loyalty_id,first_name,last_name,gender,birth_date,street,postcode,city\n"

    func resolved(_ customers: String, transactions: String = "") throws -> (ResolveReport, [String: (Int, String)]) {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        _ = try ingester.ingest(file: dir.write("c.csv", Self.header + customers), options: IngestOptions(kind: .customers))
        if !transactions.isEmpty {
            _ = try ingester.ingest(file: dir.write("t.csv", "source,customer_id,timestamp,channel,sku,amount\n" + transactions), options: IngestOptions(kind: .transactions))
        }
        let report = try IdentityResolver().resolve(workspace)
        var links: [String: (Int, String)] = [:]
        for row in try workspace.db.rows("SELECT source || ':' || source_id, person_id, rule FROM person_link") {
            links[row[0].text ?? ""] = (Int(row[1].integer ?? 0), row[2].text ?? "")
        }
        return (report, links)
    }

    @Test func aRecordLinkedByAnotherRuleKeepsItsPersonAndGeneration() throws {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        _ = try ingester.ingest(file: dir.write("c1.csv", Self.header + "crm,A,ann@x.com,415-555-0101,,Ann,,,,,,\nweb,B,ann@x.com,415-555-0101,,Ann,,,,,,\n"),
                                options: IngestOptions(kind: .customers))
        let first = try IdentityResolver().resolve(workspace)
        // B drops its e-mail: still Ann by phone, so no new generation, but the link says why now.
        _ = try ingester.ingest(file: dir.write("c2.csv", Self.header + "web,B,,415-555-0101,,Ann,,,,,,\n"), options: IngestOptions(kind: .customers))
        let second = try IdentityResolver().resolve(workspace)
        #expect(second.generation == first.generation)
        let links = try workspace.db.rows("SELECT source_id, person_id, rule FROM person_link ORDER BY source_id").map { "\($0[0].text ?? "") \($0[1].integer ?? 0) \($0[2].text ?? "")" }
        #expect(links == ["A 1 phone", "B 1 phone"])
    }

    @Test func emailVariantsJoinOnePerson() throws {
        let (_, links) = try resolved("crm,E1, Dana@X.com ,,,Dana,,,,,,\nweb,E2,dana+shop@x.com,,,Dana,,,,,,\n")
        #expect(links["crm:E1"]?.0 == links["web:E2"]?.0)
        #expect(links["crm:E1"]?.1 == "email")
    }

    @Test func phoneJoinsCompatibleRecords() throws {
        let (_, links) = try resolved("pos,S1,,415-555-0002,,Carl,,,,,,\nweb,S2,carl@x.com,+1 415 555 0002,,Karl,,,,,,\n")
        #expect(links["pos:S1"]?.0 == links["web:S2"]?.0, "one typo apart in the first name is still one person")
        #expect(links["web:S2"]?.1 == "phone")
    }

    @Test func householdPhoneDoesNotMergeDifferentPeople() throws {
        let (report, links) = try resolved("pos,H1,,415-555-0001,LY1111,Ann,Lee,,,,,\nweb,H2,bob@x.com,(415) 555-0001,,Bob,Lee,,,,,\n")
        #expect(links["pos:H1"]?.0 != links["web:H2"]?.0)
        #expect(report.conflictingPhones == 1)
        #expect(links["pos:H1"]?.1 == "single")
    }

    @Test func sharedPlaceholderValuesLinkNothing() throws {
        var rows = ""
        for i in 0..<10 { rows += "pos,N\(i),none@store.com,,,P\(i),,,,,,\n" }
        let (report, links) = try resolved(rows)
        #expect(Set(links.values.map(\.0)).count == 10)
        #expect(report.sharedKeys["email"] == 1)
    }

    @Test func idsSeenOnlyInTransactionsBecomeTheirOwnPeople() throws {
        let (report, links) = try resolved("pos,A,a@x.com,,,,,,,,,\n", transactions: "pos,T9,2026-01-01,store,S,1\npos,A,2026-01-01,store,S,1\n")
        #expect(report.bareRecords == 1)
        #expect(report.people == 2)
        #expect(links["pos:T9"]?.1 == "single")
    }

    @Test func personIDsAreDenseAndFollowRecordOrder() throws {
        let (_, links) = try resolved("web,Z,z@x.com,,,,,,,,,\npos,B,z@x.com,,,,,,,,,\npos,A,,,,,,,,,,\n")
        #expect(links["pos:A"]?.0 == 1)
        #expect(links["pos:B"]?.0 == 2)
        #expect(links["web:Z"]?.0 == 2)
    }
}
