import Foundation
@testable import Identity
@testable import Ingest
@testable import TestSupport
import Testing
import Workspace

/// `omniseg resolve --truth`: pairwise precision, recall and F1 against a truth in either shape.
@Suite struct LinkageQualityTests {
    @Test func pairsAreCountedPerPersonEntityAndBoth() {
        // People {0,1}, {2}, {3}; entities {0,1,2}, {3}.
        let q = LinkageQuality(person: [1, 1, 2, 3], entity: [7, 7, 7, 9])
        #expect(q.predictedPairs == 1 && q.truePairs == 3 && q.correctPairs == 1)
        #expect(q.precision == 1 && abs(q.recall - 1.0 / 3) < 1e-12 && abs(q.f1 - 0.5) < 1e-12)
        #expect(q.people == 3 && q.entities == 2 && q.records == 4)
        // Everything in one person: every true pair found, most linked pairs wrong.
        let lumped = LinkageQuality(person: [1, 1, 1, 1], entity: [7, 7, 7, 9])
        #expect(lumped.recall == 1 && lumped.precision == 0.5)
        #expect(LinkageQuality(person: [], entity: []).f1 == 1, "nothing to link, nothing wrong")
    }

    static let customers = """
        source,source_id,email,phone,loyalty_id,first_name,last_name,gender,birth_date,street,postcode,city
        crm,1,ann@x.com,,,Ann,,,,,,
        web,2,ann@x.com,,,Ann,,,,,,
        pos,3,,415-555-0101,LY123456,Ann,,,,,,
        web,4,,415-555-0101,,Ann,,,,,,
        pos,5,bo@x.com,,,Bo,,,,,,

        """

    func resolved(_ dir: TemporaryDirectory) throws -> Workspace {
        let workspace = try dir.workspace()
        _ = try Ingester(workspace: workspace, progressStyle: .silent).ingest(file: dir.write("c.csv", Self.customers), options: IngestOptions(kind: .customers))
        _ = try IdentityResolver().resolve(workspace)
        return workspace
    }

    @Test func anEntityColumnTruthMeasuresTheListedRecords() throws {
        let dir = TemporaryDirectory()
        let workspace = try resolved(dir)
        // Records 1-4 are Ann (one entity); 5 is Bo; a record the workspace lacks is counted as missing.
        let truth = try IdentityTruth.read(csvAt: dir.write("t.csv", "source,source_id,entity_id\ncrm,1,A\nweb,2,A\npos,3,A\nweb,4,A\npos,5,B\npos,9,C\n"))
        let (q, missing) = try truth.quality(of: workspace)
        #expect(missing == 1 && q.records == 5 && q.entities == 2)
        // Omniseg links 1+2 by e-mail and 3+4 by phone: 2 of Ann's 6 pairs, none wrong.
        #expect(q.correctPairs == 2 && q.predictedPairs == 2 && q.truePairs == 6)
        let baseline = try truth.emailOnlyBaseline(of: workspace)
        #expect(baseline.correctPairs == 1 && baseline.predictedPairs == 1, "e-mail alone links only 1+2")
        #expect(baseline.recall < q.recall)
    }

    @Test func aPairsTruthMakesGroupsAndLeavesTheRestAlone() throws {
        let dir = TemporaryDirectory()
        let workspace = try resolved(dir)
        let truth = try IdentityTruth.read(csvAt: dir.write("p.csv", "source_a,source_id_a,source_b,source_id_b\ncrm,1,web,2\nweb,2,pos,3\n"))
        let (q, missing) = try truth.quality(of: workspace)
        // Entities {1,2,3}, {4}, {5}: 3 true pairs; omniseg's 1+2 is right, 3+4 is wrong.
        #expect(missing == 0 && q.records == 5 && q.entities == 3)
        #expect(q.truePairs == 3 && q.predictedPairs == 2 && q.correctPairs == 1)
    }

    @Test func aBadTruthFileNamesTheLineAndWhatIsExpected() throws {
        let dir = TemporaryDirectory()
        func failure(_ text: String) -> String {
            do {
                _ = try IdentityTruth.read(csvAt: dir.write("bad.csv", text))
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(failure("a,b,c\n1,2,3\n").contains("names source, source_id and an entity column"))
        #expect(failure("source,source_id,person\ncrm,1,\n").contains("line") && failure("source,source_id,person\ncrm,1,\n").contains("entity is empty"))
        #expect(failure("source,source_id,person\ncrm,1,A\ncrm,1,B\n").contains("given two entities"))
        #expect(failure("source_a,source_id_a,source_b,source_id_b\ncrm,1\n").contains("expected 4 fields"))
        #expect(failure("").contains("empty"))
    }
}
