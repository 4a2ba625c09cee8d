@testable import FeatureStore
import Foundation
@testable import Identity
import Matching
@testable import Ingest
@testable import Synthetic
@testable import TestSupport
import Testing
@testable import Workspace

@Suite struct EndToEndTests {
    @Test func generatedRetailerFlowsThroughIngestResolveAndFeatures() throws {
        let dir = TemporaryDirectory()
        let people = 6000
        let summary = try RetailerGenerator(options: GeneratorOptions(people: people, seed: 2026)).write(to: dir.path)
        let workspace = try dir.workspace()
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)

        // Ingest: every generated row is read and accepted, and the tables hold exactly that.
        let expected: [IngestKind: Int] = [.customers: summary.customerRecords, .transactions: summary.transactionLines,
                                           .events: summary.events, .products: summary.products]
        for kind in [IngestKind.customers, .products, .transactions, .events] {
            let report = try ingester.ingest(file: dir.file("\(kind.rawValue).csv"), options: IngestOptions(kind: kind))
            #expect(report.rowsRead == expected[kind], "\(kind)")
            #expect(report.accepted == report.rowsRead && report.rejected == 0, "\(kind): \(report.rejectionSamples)")
        }
        #expect(try workspace.count(.customers) == summary.customerRecords)
        #expect(try workspace.count(.transactions) == summary.transactionLines)
        #expect(try workspace.count(.events) == summary.events)

        // Identity: pairwise precision and recall against the ground truth.
        let report = try IdentityResolver().resolve(workspace)
        #expect(report.bareRecords == 0)
        // The generator's truth_records.csv, read as `omniseg resolve --truth` reads it.
        let truthFile = try IdentityTruth.read(csvAt: dir.file("truth_records.csv"))
        let (quality, missing) = try truthFile.quality(of: workspace)
        #expect(missing == 0 && quality.records == summary.customerRecords && quality.entities == people)
        let truth = try readTruth(dir.file("truth_records.csv"))
        let bound = try deterministicRecallBound(workspace, truth: truth)
        print("identity: precision \(quality.precision), recall \(quality.recall), deterministic-rule bound \(bound), people \(report.people) (true \(people))")
        #expect(quality.precision >= 0.999)
        #expect(quality.recall >= bound - 0.02, "recall \(quality.recall) is more than 2 points under what the rules allow (\(bound))")
        #expect(bound < 1, "the generator's noise leaves some records unlinkable")
        let baseline = try truthFile.emailOnlyBaseline(of: workspace)
        #expect(baseline.recall < quality.recall && baseline.precision >= 0.99, "phones and loyalty ids link more than e-mails alone")

        // Features: one row per person, checksums verified on read.
        let matrix = try FeatureBuilder(options: FeatureOptions(shardRows: 1024)).build(workspace)
        let id = try FeatureStore(workspace: workspace).save(matrix)
        let loaded = try FeatureStore(workspace: workspace).load(setID: id)
        #expect(loaded.rowCount == report.people)
        #expect(loaded.shards.count == (report.people + 1023) / 1024)
        #expect(loaded.columnCount == 39, "15 base, 8 departments, 7 event and 9 churn features")
        #expect(loaded.shards.allSatisfy { $0.columnStride % 16 == 0 && $0.columnStride >= $0.rowCount })
        let monetary = try #require(loaded.column(named: "monetary"))
        let total = loaded.shards.reduce(0.0) { sum, shard in (0..<shard.rowCount).reduce(sum) { $0 + Double(shard.column(monetary)[$1]) } }
        let revenue = Double(try workspace.db.scalar("SELECT sum(amount_cents) FROM txn")?.integer ?? 0) / 100
        #expect(abs(total - revenue) / revenue < 1e-5, "every transaction's amount lands in some person's monetary value")

        // Probabilistic matching on names, birth dates and addresses finds most of the pairs no exact key links.
        let options = ResolveOptions(probabilistic: MatchOptions())
        let matched = try IdentityResolver(options: options).resolve(workspace)
        let fuzzy = try truthFile.quality(of: workspace).quality
        print("identity, probabilistic: precision \(fuzzy.precision), recall \(fuzzy.recall), F1 \(fuzzy.f1); exact: F1 \(quality.f1)")
        #expect(matched.matchedPairs > 0 && matched.candidatePairs > matched.matchedPairs)
        #expect(fuzzy.precision >= 0.999 && fuzzy.recall >= quality.recall + 0.03 && fuzzy.f1 >= 0.985, "\(fuzzy)")
        let again = try IdentityResolver(options: ResolveOptions(probabilistic: MatchOptions(), matchScope: .allPairs, everyRecord: true)).resolve(workspace)
        #expect(again.generation == matched.generation && again.matchedPairs == matched.matchedPairs,
                "the same records and seed link the same pairs: nothing changes, no new generation")
        let idle = try IdentityResolver(options: options).resolve(workspace)
        #expect(idle.changedRecords == 0 && idle.candidatePairs == 0 && idle.generation == matched.generation, "nothing changed, nothing is compared")
    }

    func readTruth(_ path: String) throws -> [String: Int] {
        var truth: [String: Int] = [:]
        for record in try readCSV(path).dropFirst() { truth["\(record.fields[0]):\(record.fields[1])"] = Int(record.fields[2]) }
        return truth
    }

    /// The best recall rules on exact e-mail, phone and loyalty keys can reach: records of the same true
    /// person joined when they share a normalized key (records sharing none cannot be joined by such rules).
    func deterministicRecallBound(_ workspace: Workspace, truth: [String: Int]) throws -> Double {
        let normalizer = IdentifierNormalizer()
        var keys: [String: [String]] = [:]
        var ids: [String] = []
        for row in try workspace.db.rows("SELECT source || ':' || source_id, email, phone, loyalty_id FROM customer_record") {
            let id = row[0].text ?? ""
            ids.append(id)
            var k: [String] = []
            if let e = row[1].text.flatMap(normalizer.email) { k.append("e" + e) }
            if let p = row[2].text.flatMap(normalizer.phone) { k.append("p" + p) }
            if let l = row[3].text.flatMap(normalizer.loyaltyID) { k.append("l" + l) }
            keys[id] = k
        }
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        var sets = UnionFind(count: ids.count)
        var owner: [String: Int] = [:]
        for id in ids {
            for key in keys[id] ?? [] {
                let scoped = key + "#\(truth[id] ?? -1)"
                if let other = owner[scoped] { sets.union(other, index[id]!) } else { owner[scoped] = index[id]! }
            }
        }
        let reachable = ids.map { Int64(sets.find(index[$0]!)) }
        return LinkageQuality(person: reachable, entity: ids.map { Int64(truth[$0] ?? -1) }).recall
    }
}
