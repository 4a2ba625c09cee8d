import FeatureStore
import Features
import Foundation
import JobRuntime
import OmnisegCore
import Recommend
import Report
import Segments
import Workspace

/// `Bench --segments --people N [--threads T] [--shard-rows R]`: the segment job in-process over N
/// synthetic people (RFM-like features, eight department shares, ~15 purchases, views and cart-adds
/// each over two years, one product per department; made in memory first, not timed). Times two jobs: the
/// issue's example rule alone (rule evaluation), and the all-way overlap of five segments. Prints
/// one JSON line per job: seconds (tasks + merge) and people/s.
enum SegmentBench {
    static let departments = ["accessories", "beauty", "footwear", "home", "kids", "mens", "sports", "womens"]
    static let exampleRule = "lifecycle = churned AND rfm IN (champions, loyal, cant_lose) AND viewed(department = footwear, within = 30d) "
        + "AND NOT purchased(department = footwear, within = 90d) AND share(footwear) >= 0.3"

    static func run(_ args: [String]) {
        let (options, _) = BenchArguments.parse(args)
        guard let people = options["people"].flatMap(Int.init), people > 0 else {
            StandardError.write("usage: Bench --segments --people N [--threads T] [--shard-rows R]\n")
            exit(64)
        }
        let threads = options["threads"].flatMap(Int.init) ?? 1
        let shardRows = options["shard-rows"].flatMap(Int.init) ?? 65_536
        let asOfDay = 20_600
        let (shards, data, columns) = makeData(people: people, shardRows: shardRows, asOfDay: asOfDay)
        let vocabulary = SegmentVocabulary(columns: columns, departments: departments, hasClusters: false, churnTiers: [])
        func gather(_ name: String) -> [Float] {
            let c = columns.firstIndex(of: name) ?? 0
            return shards.flatMap { Array($0.column(c)) }
        }
        let rfm = RFMScheme(recencyDays: gather("recency_days"), frequency: gather("frequency"), monetary: gather("monetary"))
        let jobs: [(String, JobParameters)] = [
            ("rule", JobParameters(["rule": exampleRule])),
            ("overlap5", SegmentJob.parameters(HTMLReport.defaultSegments)),
        ]
        do {
            for (name, parameters) in jobs {
                let job = try SegmentJob(parameters: parameters)
                let preparation = try job.preparation(vocabulary: vocabulary, rfm: rfm, data: data, asOf: Int64(asOfDay) * 86_400 + 86_399)
                var seconds = 0.0
                let bytes = try JobDriver(jobID: "bench", kind: job, shardCount: shards.count, mergeThreads: threads)
                    .run(transport: InProcessTransport(kind: job, shards: shards, taskData: preparation.taskData, threads: threads),
                         checkpoints: MemoryCheckpoints(), firstState: { preparation.state }, timing: { seconds += $0.seconds })
                let result = try SegmentResult(decoding: bytes)
                let line: [(String, String)] = [
                    ("job", "\"\(name)\""), ("threads", "\(threads)"), ("people", "\(people)"), ("segments", "\(result.names.count)"),
                    ("combinations", "\(result.combinations.count)"), ("members", "[" + result.counts.map(String.init).joined(separator: ",") + "]"),
                    ("seconds", "\(seconds)"), ("people_per_second", "\(Double(people) / max(seconds, 1e-9))"),
                ]
                print("{" + line.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
            }
        } catch {
            StandardError.write("segment bench: \(error)\n")
            exit(1)
        }
    }

    /// `Bench --segments-workspace PATH --people N`: a new workspace holding only a feature set of N
    /// synthetic people (the features above; no records, so no behaviour), for timing rules on the
    /// workers at sizes a generated retailer would take hours and hundreds of GB to reach.
    static func makeWorkspace(_ args: [String]) {
        let (options, files) = BenchArguments.parse(args)
        guard files.count == 1, let people = options["people"].flatMap(Int.init), people > 0 else {
            StandardError.write("usage: Bench --segments-workspace PATH --people N\n")
            exit(64)
        }
        let asOfDay = 20_600
        let (shards, _, columns) = makeData(people: people, shardRows: 65_536, asOfDay: asOfDay)
        do {
            let workspace = try Workspace(path: files[0])
            let matrix = FeatureMatrix(setID: 0, asOf: Int64(asOfDay) * 86_400 + 86_399, names: columns, shards: shards, shardRows: 65_536,
                                       means: [Double](repeating: 0, count: columns.count), stds: [Double](repeating: 1, count: columns.count))
            let id = try FeatureStore(workspace: workspace).save(matrix)
            print("{\"workspace\": \"\(files[0])\", \"feature_set\": \(id), \"people\": \(people)}")
        } catch {
            StandardError.write("segment bench: \(error)\n")
            exit(1)
        }
    }

    /// Synthetic shards: features and department-level interactions, seeded.
    static func makeData(people: Int, shardRows: Int, asOfDay: Int) -> ([FeatureShard], [SegmentShardData], [String]) {
        let columns = ["recency_days", "frequency", "monetary", "store_recency_days", "store_frequency", "online_recency_days", "online_frequency",
                       "online_share", "discount_share", "new_arrival_share"] + departments.map { "dept_share_" + $0 }
        var shards: [FeatureShard] = [], data: [SegmentShardData] = []
        for start in stride(from: 0, to: people, by: shardRows) {
            let rows = min(shardRows, people - start)
            var rng = SplitMix64(seed: 29, stream: UInt64(start), index: 0)
            let shard = FeatureShard(rowStart: start, rowCount: rows, columnCount: columns.count)
            let c = (0..<columns.count).map { shard.mutableColumn($0) }
            var offsets: [UInt32] = [0], items: [UInt32] = [], actions: [UInt8] = [], days: [Int32] = []
            for r in 0..<rows {
                let n = rng.below(31)
                var first = Int32.max, last = Int32.min, bought = 0
                var spend = [Float](repeating: 0, count: departments.count)
                var day = Int32(asOfDay - 730) + Int32(rng.below(200))
                for _ in 0..<n {
                    day = min(Int32(asOfDay), day + Int32(rng.below(60)))
                    let department = rng.below(departments.count) < 4 ? rng.below(3) : rng.below(departments.count)
                    let action = UInt8(rng.below(4))
                    items.append(UInt32(department)); actions.append(action); days.append(day)
                    if action < 2 {
                        bought += 1
                        first = min(first, day); last = max(last, day)
                        spend[department] += Float(10 + rng.below(90))
                    }
                }
                offsets.append(UInt32(items.count))
                let total = spend.reduce(0, +)
                c[0][r] = bought > 0 ? Float(asOfDay - Int(last)) : 730
                c[1][r] = Float(bought)
                c[2][r] = total
                c[3][r] = c[0][r]; c[4][r] = Float(bought / 2); c[5][r] = c[0][r]; c[6][r] = Float(bought - bought / 2)
                c[7][r] = Float(rng.below(101)) / 100
                c[8][r] = Float(rng.below(101)) / 100
                c[9][r] = Float(rng.below(101)) / 100
                for d in departments.indices { c[10 + d][r] = total > 0 ? spend[d] / total : 0 }
            }
            shards.append(shard)
            data.append(SegmentShardData(interactions: InteractionShard(rowStart: start, offsets: offsets, items: items, actions: actions, days: days),
                                         clusters: nil, churnRisk: nil, churnTier: nil))
        }
        return (shards, data, columns)
    }
}
