@testable import Clustering
@testable import Coordination
@testable import FeatureStore
@testable import Features
import Foundation
@testable import Identity
@testable import JobRuntime
@testable import Kernels
@testable import OmnisegCore
@testable import Segments
@testable import SegmentsWorkspace
@testable import TestSupport
import Testing
@testable import Workspace

/// The rule language's parser (valid rules and every error), the bitset kernels against their scalar
/// references, RFM quintiles with ties, and the `segment` job's counts and combinations against brute force.
@Suite struct SegmentRuleTests {
    @Test func parsesTheIssueExampleAndWritesItBack() throws {
        let text = "lifecycle = churned AND rfm IN (champions, loyal) AND viewed(department = footwear, within = 7d) "
            + "AND NOT purchased(department = footwear, within = 30d) AND share(footwear) >= 0.3"
        let rule = try RuleParser.parse(text)
        let expected: SegmentRule = .and(.and(.and(.and(
            .membership(field: "lifecycle", values: ["churned"], negated: false),
            .membership(field: "rfm", values: ["champions", "loyal"], negated: false)),
            .activity(.viewed, department: "footwear", withinDays: 7, minimum: 1)),
            .not(.activity(.purchased, department: "footwear", withinDays: 30, minimum: 1))),
            .share(department: "footwear", comparison: .greaterOrEqual, value: 0.3))
        #expect(rule == expected)
        #expect(try RuleParser.parse(rule.text) == rule, "the written-back rule parses to the same rule")
    }

    @Test func precedenceParenthesesListsAndValues() throws {
        #expect(try RuleParser.parse("a = x OR b = y AND NOT c = z") ==
                .or(.membership(field: "a", values: ["x"], negated: false),
                    .and(.membership(field: "b", values: ["y"], negated: false), .not(.membership(field: "c", values: ["z"], negated: false)))))
        #expect(try RuleParser.parse("(a = x or b = y) and c != 'Two Words'") ==
                .and(.or(.membership(field: "a", values: ["x"], negated: false), .membership(field: "b", values: ["y"], negated: false)),
                     .membership(field: "c", values: ["two words"], negated: true)))
        #expect(try RuleParser.parse("rfm not in (lost, 'can''t')") == .membership(field: "rfm", values: ["lost", "can't"], negated: true))
        #expect(try RuleParser.parse("monetary >= -2.5") == .compare(field: "monetary", comparison: .greaterOrEqual, value: -2.5))
        #expect(try RuleParser.parse("carted(within = 2w, count = 3)") == .activity(.carted, department: nil, withinDays: 14, minimum: 3))
        #expect(try RuleParser.parse("viewed(arrived = 60d, within = 14d)") == .activity(.viewed, department: nil, withinDays: 14, minimum: 1, arrivedDays: 60))
        #expect(try RuleParser.parse("segment(lapsed) AND purchased()") == .and(.saved(name: "lapsed"), .activity(.purchased, department: nil, withinDays: nil, minimum: 1)))
        for text in ["NOT NOT a = b", "((a = b))", "x IN (1, 2.5, 'c')", "purchased(department = kids, arrived = 2w, count = 2)"] {
            let rule = try RuleParser.parse(text)
            #expect(try RuleParser.parse(rule.text) == rule, "\(text) → \(rule.text)")
        }
    }

    /// Every error the parser can raise: its column and the words that say what was expected.
    @Test(arguments: [
        ("lifecycle = churned & rfm = lost", 21, "unexpected character '&'"),
        ("rfm = 'lost", 7, "never closed"),
        ("rfm ! lost", 5, "'!' is not a comparison"),
        ("recency_days < 30x", 18, "expected a number, a duration (7d, 2w) or a space after '30'"),
        ("viewed(within = 7.5d)", 17, "a duration is a whole number of days"),
        ("AND rfm = lost", 1, "expected a condition"),
        ("rfm = lost lifecycle = new", 12, "expected AND, OR or the end of the rule"),
        ("(rfm = lost", 12, "expected ')' to close the parenthesis, found the end of the rule"),
        ("rfm NOT lost", 9, "expected IN after 'rfm NOT'"),
        ("rfm IN lost", 8, "expected '(' to open the list of values after IN"),
        ("rfm IN (lost, new", 18, "expected ',' or ')' to close the list of values"),
        ("rfm IN (,)", 9, "expected a value in the list"),
        ("rfm lost", 5, "expected a comparison (=, !=, <, <=, >, >=) or IN after 'rfm'"),
        ("rfm =", 6, "expected a value after '='"),
        ("rfm < lost", 7, "'<' compares numbers"),
        ("share(footwear)", 16, "expected a comparison after share(footwear)"),
        ("share(footwear) >= high", 20, "expected a share between 0 and 1"),
        ("share(footwear >= 0.3", 16, "expected ')' after the department of share(…)"),
        ("bought(shoes)", 1, "unknown function 'bought'"),
        ("viewed(dept = x)", 8, "expected department =, within =, arrived = or count = inside viewed(…)"),
        ("viewed(arrived = 3)", 18, "expected a duration after 'arrived ='"),
        ("viewed(within = 7d, within = 3d)", 21, "'within' is given twice"),
        ("viewed(within = 7)", 17, "expected a duration after 'within ='"),
        ("viewed(count = 0)", 16, "expected a whole number of at least 1 after 'count ='"),
        ("viewed(within 7d)", 15, "expected '=' after 'within'"),
        ("viewed(within = 7d department = x)", 20, "expected ',' or ')' in viewed(…)"),
        ("segment(lapsed", 15, "expected ')' after the segment's name"),
        ("", 1, "expected a condition"),
    ])
    func refusesWithColumnAndExpectation(_ text: String, _ column: Int, _ words: String) {
        do {
            let rule = try RuleParser.parse(text)
            Issue.record("'\(text)' parsed as \(rule)")
        } catch {
            #expect(error.code == .badInput)
            #expect(error.message.contains("at column \(column):"), "\(error.message)")
            #expect(error.message.contains(words), "\(error.message)")
            #expect(error.message.contains("\n  \(text)\n  " + String(repeating: " ", count: column - 1) + "^"), "a pointer under the column")
        }
    }

    @Test func compilerNamesWhatIsKnown() {
        let vocabulary = SegmentVocabulary(columns: ["recency_days", "frequency", "monetary", "dept_share_footwear"], departments: ["footwear", "kids"],
                                           hasClusters: false, churnTiers: [])
        let compiler = SegmentCompiler(vocabulary: vocabulary)
        func message(_ text: String) -> String {
            do { _ = try compiler.compile(try RuleParser.parse(text)); return "" } catch { return error.message }
        }
        #expect(message("lifecyle = churned").contains("unknown field 'lifecyle'; fields are rfm, lifecycle"))
        #expect(message("lifecycle = churnd").contains("'churnd' is not a lifecycle stage; lifecycle takes prospect, new, active, reactivated, at_risk, churned"))
        #expect(message("share(toys) > 0.1").contains("departments are footwear"))
        #expect(message("viewed(department = toys)").contains("departments are footwear, kids"))
        #expect(message("cluster = 2").contains("run omniseg run cluster first"))
        #expect(message("churn_tier = high").contains("run omniseg run churn-score first"))
        #expect(message("monetry > 5").contains("unknown numeric field 'monetry'"))
        #expect(message("rfm > 3").contains("'rfm' takes names"))
        #expect(message("frequency >= 2 AND prefers = footwear AND rfm IN (champions, cant_lose) AND NOT active_channel = online").isEmpty)
    }
}

@Suite struct BitsetKernelTests {
    @Test func kernelsMatchTheirScalarReferences() {
        var rng = SplitMix64(seed: 3, stream: 1, index: 0)
        for n in [0, 1, 7, 8, 9, 63, 64, 65, 100] {
            let a = (0..<n).map { _ in rng.next() & rng.next() }
            let b = (0..<n).map { _ in rng.next() | rng.next() }
            for operation in BitsetKernels.Operation.allCases {
                var fast = a, slow = a
                fast.withUnsafeMutableBufferPointer { f in b.withUnsafeBufferPointer { BitsetKernels.combine(operation, f.baseAddress!, $0.baseAddress!, n) } }
                slow.withUnsafeMutableBufferPointer { s in b.withUnsafeBufferPointer { BitsetKernels.scalarCombine(operation, s.baseAddress!, $0.baseAddress!, n) } }
                #expect(fast == slow, "\(operation) over \(n) words")
            }
            let count = a.withUnsafeBufferPointer { BitsetKernels.popcount($0.baseAddress!, n) }
            #expect(count == a.withUnsafeBufferPointer { BitsetKernels.scalarPopcount($0.baseAddress!, n) })
            #expect(count == a.reduce(0) { $0 + $1.nonzeroBitCount })
            let both = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { BitsetKernels.intersectionCount(x.baseAddress!, $0.baseAddress!, n) } }
            #expect(both == zip(a, b).reduce(0) { $0 + ($1.0 & $1.1).nonzeroBitCount })
        }
    }

    @Test func personBitsetsKeepTheirTailClear() throws {
        let odd = PersonBitset(count: 70) { $0 % 3 == 0 }
        #expect(odd.populationCount == 24 && odd.members.first == 0 && odd.members.last == 69)
        var rest = odd
        rest.invert()
        #expect(rest.populationCount == 46 && rest.intersectionCount(odd) == 0)
        #expect(PersonBitset.all(count: 70).populationCount == 70)
        #expect(throws: OmnisegError.self) { try PersonBitset(words: [0, 1 << 10], count: 70) }
        var union = odd
        union.formUnion(rest)
        #expect(union == PersonBitset.all(count: 70))
        union.subtract(odd)
        #expect(union == rest)
    }
}

@Suite struct RFMSchemeTests {
    /// score(v) = 1 + ⌊5 · (people strictly below v) / n⌋: ties share a score.
    @Test func quintilesFollowRanksAndKeepTiesTogether() {
        var rng = SplitMix64(seed: 11, stream: 2, index: 0)
        for n in [1, 4, 5, 17, 300] {
            let values = (0..<n).map { _ in Double(rng.below(7)) }
            let cuts = RFMScheme.cuts(values)
            let vector = RFMScheme(recencyCuts: cuts, frequencyCuts: cuts, monetaryCuts: cuts).vectors.f
            for v in values {
                let below = values.filter { $0 < v }.count
                #expect(RFMScheme.score(v, cuts) == 1 + 5 * below / n, "n \(n), value \(v)")
                #expect(RFMScheme.score(v, vector) == RFMScheme.score(v, cuts))
            }
        }
        // The grid's corners and a tie-heavy column.
        #expect(RFMScheme.segmentNames[RFMScheme.segment(r: 5, fm: 5) - 1] == "champions")
        #expect(RFMScheme.segmentNames[RFMScheme.segment(r: 1, fm: 1) - 1] == "lost")
        #expect(RFMScheme.segmentNames[RFMScheme.segment(r: 1, fm: 5) - 1] == "cant_lose")
        #expect(RFMScheme.segmentNames[RFMScheme.segment(r: 2, fm: 1) - 1] == "hibernating")
        #expect(Set((1...5).flatMap { r in (1...5).map { RFMScheme.segment(r: r, fm: $0) } }).count == 11, "every named segment is reachable")
    }
}

@Suite(.serialized) struct SegmentJobTests {
    static func run(_ job: SegmentJob, _ workspace: Workspace, _ matrix: FeatureMatrix, threads: Int) throws -> SegmentResult {
        let preparation = try job.prepare(in: workspace, matrix: matrix)
        let bytes = try JobDriver(jobID: "s", kind: job, shardCount: matrix.shards.count, mergeThreads: threads)
            .run(transport: InProcessTransport(kind: job, shards: matrix.shards, taskData: preparation.taskData, threads: threads),
                 checkpoints: MemoryCheckpoints(), firstState: { preparation.state })
        return try SegmentResult(decoding: SegmentJob.resultBody(bytes))
    }

    @Test func countsAndCombinationsMatchBruteForceWhateverTheThreads() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let rules = ["frequency >= 3 AND NOT channel = store_only", "monetary > 200 OR online_share >= 0.5",
                     "lifecycle IN (active, reactivated, new)", "viewed(within = 30d) OR carted()"]
        var parameters = ["members": "1"]
        for (i, rule) in rules.enumerated() { parameters["rule_\(i + 1)"] = rule; parameters["name_\(i + 1)"] = "s\(i + 1)" }
        let job = try SegmentJob(parameters: JobParameters(parameters))
        let result = try Self.run(job, workspace, matrix, threads: 1)
        #expect(try Self.run(job, workspace, matrix, threads: 3) == result, "the same whatever the threads")
        #expect(result.people == matrix.rowCount && result.members.count == 4)

        // The first two rules straight from the features.
        func column(_ name: String) -> [Float] { matrix.shards.flatMap { Array($0.column(matrix.names.firstIndex(of: name)!)) } }
        let frequency = column("frequency"), storeOrders = column("store_frequency"), onlineOrders = column("online_frequency")
        let monetary = column("monetary"), onlineShare = column("online_share")
        let first = (0..<matrix.rowCount).filter { frequency[$0] >= 3 && !(storeOrders[$0] > 0 && onlineOrders[$0] == 0) }
        let second = (0..<matrix.rowCount).filter { monetary[$0] > 200 || onlineShare[$0] >= 0.5 }
        #expect(result.members[0].members == first && result.counts[0] == first.count && !first.isEmpty)
        #expect(result.members[1].members == second && result.counts[1] == second.count)
        #expect(result.counts[2] > 0 && result.counts[2] < matrix.rowCount && result.counts[3] > 0, "the rules pick some people, not all")
        for i in 0..<4 { #expect(result.members[i].populationCount == result.counts[i]) }

        // Combinations: from the members, person by person.
        var expected: [UInt32: (people: Int, revenue: Double)] = [:]
        for r in 0..<matrix.rowCount {
            var mask: UInt32 = 0
            for i in 0..<4 where result.members[i][r] { mask |= 1 << UInt32(i) }
            expected[mask, default: (0, 0)].people += 1
            expected[mask, default: (0, 0)].revenue += Double(monetary[r])
        }
        #expect(result.combinations.map(\.mask) == expected.keys.sorted())
        for c in result.combinations {
            #expect(c.people == expected[c.mask]?.people)
            #expect(abs(c.revenue - (expected[c.mask]?.revenue ?? -1)) < 1e-6 * max(1, c.revenue))
        }
        #expect(result.combinations.reduce(0) { $0 + $1.people } == matrix.rowCount)
        let text = SegmentReport.text(result)
        #expect(text.contains("combinations") && text.contains("A = s1"))
    }

    @Test func rfmSegmentsPartitionTheBuyersAndLifecycleFollowsPurchases() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        var parameters: [String: String] = ["members": "1"]
        for (i, name) in RFMScheme.segmentNames.enumerated() { parameters["rule_\(i + 1)"] = "rfm = \(name)"; parameters["name_\(i + 1)"] = name }
        let rfm = try Self.run(SegmentJob(parameters: JobParameters(parameters)), workspace, matrix, threads: 2)
        let frequency = matrix.shards.flatMap { Array($0.column(matrix.names.firstIndex(of: "frequency")!)) }
        let buyers = frequency.filter { $0 > 0 }.count
        #expect(rfm.counts.reduce(0, +) == buyers, "every buyer is in exactly one RFM segment")
        #expect(rfm.combinations.allSatisfy { $0.mask.nonzeroBitCount <= 1 })
        #expect(rfm.counts[0] > 0 && rfm.counts.filter { $0 > 0 }.count >= 6, "champions exist, and most segments are used")

        let stages = SegmentOptions.lifecycleNames
        var lifecycle: [String: String] = ["members": "1"]
        for (i, name) in stages.enumerated() { lifecycle["rule_\(i + 1)"] = "lifecycle = \(name)"; lifecycle["name_\(i + 1)"] = name }
        let life = try Self.run(SegmentJob(parameters: JobParameters(lifecycle)), workspace, matrix, threads: 2)
        #expect(life.counts.reduce(0, +) == matrix.rowCount, "every person has exactly one stage")
        #expect(life.counts[0] == matrix.rowCount - buyers, "prospects are the people without a purchase")
        let recency = matrix.shards.flatMap { Array($0.column(matrix.names.firstIndex(of: "recency_days")!)) }
        for r in life.members[5].members { #expect(recency[r] > 180, "churned: no purchase for more than 180 days") }
        for r in life.members[2].members { #expect(recency[r] < 91, "active: a purchase in the last 90 days") }
        #expect(life.counts[5] > 0 && life.counts[2] > 0)
    }

    @Test func genderAndDepartmentCountFollowTheRecordsAndFeatures() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let result = try Self.run(SegmentJob(parameters: JobParameters(["rule_1": "gender = women", "rule_2": "departments >= 3", "members": "1"])),
                                  workspace, matrix, threads: 2)
        // Brute force: each person's most frequent gender (ties: the smaller value), from SQL.
        var female: [Int] = []
        var best: [Int: (String, Int)] = [:]
        for row in try workspace.db.rows("""
            SELECT l.person_id, lower(r.gender), count(*) FROM person_link l JOIN customer_record r ON r.source = l.source AND r.source_id = l.source_id
            WHERE r.gender IS NOT NULL AND r.gender != '' GROUP BY 1, 2
            """) {
            let person = Int(row[0].integer ?? 0), value = row[1].text ?? "", n = Int(row[2].integer ?? 0)
            if let current = best[person], current.1 > n || (current.1 == n && current.0 < value) { continue }
            best[person] = (value, n)
        }
        for (person, value) in best where value.0 == "f" && person <= matrix.rowCount { female.append(person - 1) }
        #expect(result.members[0].members == female.sorted() && !female.isEmpty)
        let shares = matrix.names.indices.filter { matrix.names[$0].hasPrefix("dept_share_") }
        let broad = (0..<matrix.rowCount).filter { r in shares.filter { matrix.value(row: r, column: $0) > 0 }.count >= 3 }
        #expect(result.members[1].members == broad && !broad.isEmpty)
    }

    /// A workspace that holds only a feature set (made elsewhere, no records): rules on features work,
    /// behaviour has nothing to count, and a department name is refused with the (empty) list.
    @Test func aFeatureSetWithoutRecordsSegmentsOnFeatures() throws {
        let dir = TemporaryDirectory()
        let workspace = try Workspace(path: dir.file("features-only.sqlite"))
        let names = ["recency_days", "frequency", "monetary", "store_frequency", "online_frequency"]
        let shards = [(0, 100), (100, 37)].map { start, rows -> FeatureShard in
            let shard = FeatureShard(rowStart: start, rowCount: rows, columnCount: names.count)
            for r in 0..<rows {
                let person = start + r
                shard.mutableColumn(0)[r] = Float(person % 400)
                shard.mutableColumn(1)[r] = Float(person % 7)
                shard.mutableColumn(2)[r] = Float(person * 3)
                shard.mutableColumn(3)[r] = Float(person % 2)
                shard.mutableColumn(4)[r] = Float(person % 3 == 0 ? 1 : 0)
            }
            return shard
        }
        let matrix = FeatureMatrix(setID: 0, asOf: 1_780_000_000, names: names, shards: shards, shardRows: 100,
                                   means: [Double](repeating: 0, count: names.count), stds: [Double](repeating: 1, count: names.count))
        let stored = try FeatureStore(workspace: workspace).load(setID: try FeatureStore(workspace: workspace).save(matrix))
        let job = try SegmentJob(parameters: JobParameters(["rule_1": "channel = omnichannel AND monetary > 90", "rule_2": "viewed()", "members": "1"]))
        let result = try Self.run(job, workspace, stored, threads: 2)
        let expected = (0..<137).filter { $0 % 2 == 1 && $0 % 3 == 0 && $0 * 3 > 90 }
        #expect(result.members[0].members == expected && !expected.isEmpty)
        #expect(result.counts[1] == 0, "no behaviour to count")
        #expect(throws: OmnisegError.self) { try SegmentJob(parameters: JobParameters(["rule": "viewed(department = kids)"])).prepare(in: workspace, matrix: stored) }
    }

    /// The inputs kept between jobs are read again once the workspace has a new cluster result.
    @Test func keptInputsFollowNewResults() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let job = try SegmentJob(parameters: JobParameters(["rule": "cluster IN (0, 1)"]))
        #expect(throws: OmnisegError.self) { try job.prepare(in: workspace, matrix: matrix) }
        let clustered = try EmbeddedJob(workspace: workspace, matrix: matrix, threads: 2).run(ClusterJob.name, parameters: JobParameters(["k": "3"]))
        let labels = try ClusterResult(decoding: ClusterJob.resultBody(clustered.result.get())).labels
        let result = try Self.run(job, workspace, matrix, threads: 2)
        #expect(result.counts[0] == labels.filter { $0 <= 1 }.count && result.counts[0] > 0)
    }

    /// `viewed(arrived = 90d)`: a view of a product that arrived in the 90 days up to the as-of date, against SQL.
    @Test func theLatestCollectionFollowsProductArrivals() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let result = try Self.run(SegmentJob(parameters: JobParameters(["rule": "viewed(arrived = 90d)", "members": "1"])), workspace, matrix, threads: 2)
        let asOfDay = Int64(CivilDate.day(unixSeconds: matrix.asOf))
        let expected = try workspace.db.rows("""
            SELECT DISTINCT l.person_id FROM event e JOIN product p ON p.sku = e.sku
            JOIN person_link l ON l.source = e.source AND l.source_id = e.customer_id
            WHERE e.kind = ? AND e.ts <= ? AND p.arrival_ts IS NOT NULL AND p.arrival_ts / 86400 >= ? ORDER BY 1
            """, [.integer(Int64(EventKind.view.rawValue)), .integer(matrix.asOf), .integer(asOfDay - 89)]).map { Int($0[0].integer ?? 0) - 1 }
        #expect(result.members[0].members == expected && !expected.isEmpty && expected.count < matrix.rowCount)
    }

    @Test func badRulesFailBeforeAnyTask() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        #expect(throws: OmnisegError.self) { try SegmentJob(parameters: JobParameters(["rule": "rfm IN (lost"])) }
        #expect(throws: OmnisegError.self) { try SegmentJob(parameters: JobParameters(["members": "1"])) }
        let job = try SegmentJob(parameters: JobParameters(["rule": "prefers = toys"]))
        do {
            _ = try job.prepare(in: workspace, matrix: matrix)
            Issue.record("an unknown department passed")
        } catch {
            #expect(error.message.contains("segment 'segment': 'toys' is not a department"))
        }
    }

    @Test func audiencesListTheMembersWithTheirContacts() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let result = try Self.run(SegmentJob(parameters: JobParameters(["rule": "frequency >= 3", "members": "1"])), workspace, matrix, threads: 2)
        let members = try #require(result.members.first)
        let export = AudienceExport(workspace: workspace, matrix: matrix)
        let csvPath = dir.file("audience.csv"), jsonPath = dir.file("audience.json")
        #expect(try export.write(members: members, format: .csv, to: csvPath) == members.populationCount)
        let lines = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "person_id,email,phone,loyalty_id,preferred_channel,recency_days,frequency,monetary,online_share,discount_share,recommendations")
        #expect(lines.dropFirst().map { Int($0.split(separator: ",")[0]) } == members.members.map { $0 + 1 })
        #expect(try export.write(members: members, format: .json, to: jsonPath) == members.populationCount)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonPath))) as? [[String: Any]])
        #expect(rows.count == members.populationCount)
        // A member with a single source record: its e-mail, normalised.
        let single = try workspace.db.rows("""
            SELECT l.person_id, r.email FROM person_link l JOIN customer_record r ON r.source = l.source AND r.source_id = l.source_id
            WHERE r.email IS NOT NULL GROUP BY l.person_id HAVING count(*) = 1
            """).first { members[Int($0[0].integer ?? 0) - 1] }
        let person = try #require(single)
        let row = try #require(rows.first { ($0["person_id"] as? Int) == Int(person[0].integer ?? 0) })
        #expect(row["email"] as? String == IdentifierNormalizer().email(person[1].text ?? ""))
        #expect((row["frequency"] as? Double ?? 0) >= 3 && ["store", "online"].contains(row["preferred_channel"] as? String ?? ""))
        #expect(throws: OmnisegError.self) { try export.write(members: members, format: .csv, to: dir.file("missing/dir/a.csv")) }
    }

    @Test func savedSegmentsExpandAndRefuseCycles() throws {
        let dir = TemporaryDirectory()
        let (workspace, _) = try Fixtures.trainingWorkspace(dir)
        let store = SegmentStore(workspace: workspace)
        _ = try store.save(name: "Lapsed", rule: "lifecycle IN (at_risk, churned)")
        _ = try store.save(name: "lapsed_big", rule: "segment(lapsed) AND monetary > 500")
        #expect(try store.resolve("lapsed_big") == .and(.membership(field: "lifecycle", values: ["at_risk", "churned"], negated: false),
                                                      .compare(field: "monetary", comparison: .greater, value: 500)))
        #expect(try store.all().map(\.name) == ["lapsed", "lapsed_big"])
        #expect(throws: OmnisegError.self) { try store.save(name: "lapsed", rule: "segment(lapsed_big)") }
        #expect(throws: OmnisegError.self) { try store.save(name: "bad name", rule: "rfm = lost") }
        #expect(throws: OmnisegError.self) { try store.resolve("segment(nobody)") }
        #expect(try store.delete(name: "lapsed_big") && !(try store.delete(name: "lapsed_big")))
    }
}
