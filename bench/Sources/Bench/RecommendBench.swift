import Features
import Foundation
import JobRuntime
import OmnisegCore
import Recommend

/// `Bench --recommend PREFIX --people N --items M [--threads T] [--shard-rows R] [--n 10] [--top 50] [--recent 50]`:
/// runs the recommend job in-process over the interactions in PREFIX.train.* (written by
/// bench/peers/recommend_peers.py make: person u32, item u32, action u8, day i32, sorted by person
/// and day) and evaluates it on PREFIX.test.* (each person's later purchases). The interactions are
/// read into per-shard form first (not timed, as the peers' loading is not). Prints one JSON line:
/// the survey + pair counting + LLR + top-N seconds (iterations 0 … B), the per-person scoring
/// seconds (the last iteration), and precision/recall/MAP@n on new items beside popularity.
enum RecommendBench {
    static func run(_ args: [String]) {
        let (options, files) = BenchArguments.parse(args)
        guard files.count == 1, let people = options["people"].flatMap(Int.init), let items = options["items"].flatMap(Int.init) else {
            StandardError.write("usage: Bench --recommend PREFIX --people N --items M [--threads T] [--shard-rows R] [--n 10] [--top 50] [--recent 50]\n")
            exit(64)
        }
        let threads = options["threads"].flatMap(Int.init) ?? 1
        let shardRows = options["shard-rows"].flatMap(Int.init) ?? 65_536
        let ranges = Swift.stride(from: 0, to: people, by: shardRows).map { ($0, min(shardRows, people - $0)) }
        let train = shards(files[0] + ".train", people: people, ranges: ranges)
        let test = shards(files[0] + ".test", people: people, ranges: ranges)
        let width = String(items).count
        let catalog = ItemCatalog(level: .item, names: (0..<items).map { "I" + String(repeating: "0", count: width - String($0).count) + String($0) },
                                  departments: [UInt16](repeating: 0, count: items), departmentNames: ["all"])
        var parameters = ["holdout_days": "1", "n": options["n"] ?? "10"]
        for name in ["top", "recent", "pairs_per_bucket", "popularity_weight", "max_history", "item_cap", "fan_out"] { if let v = options[name] { parameters[name] = v } }
        do {
            let job = try RecommendJob(parameters: JobParameters(parameters))
            let preparation = job.preparation(catalog: catalog, shards: train, future: test)
            let featureShards = ranges.map { FeatureShard(rowStart: $0.0, rowCount: $0.1, columnCount: 0) }
            var seconds: [Double] = []
            let bytes = try JobDriver(jobID: "bench", kind: job, shardCount: ranges.count, mergeThreads: threads)
                .run(transport: InProcessTransport(kind: job, shards: featureShards, taskData: preparation.taskData, threads: threads),
                     checkpoints: MemoryCheckpoints(), firstState: { preparation.state }, timing: { seconds.append($0.seconds) })
            let result = try RecommendResult(decoding: bytes)
            guard let e = result.evaluation else { throw OmnisegError(.corrupt, "no evaluation in the bench run") }
            let count = seconds.dropLast().reduce(0, +), score = seconds.last ?? 0
            let line: [(String, String)] = [
                ("tool", "\"omniseg\""), ("threads", "\(threads)"), ("people", "\(people)"), ("items", "\(items)"),
                ("interactions", "\(result.interactions)"), ("buckets", "\(result.buckets)"), ("pairs", "\(result.pairs)"),
                ("indicators", "\(result.table.totalCount)"),
                ("count_seconds", "\(count)"), ("score_seconds", "\(score)"),
                ("interactions_per_second", "\(Double(result.interactions) / max(count, 1e-9))"),
                ("precision_new", "\(e.precision(.recommender, .new))"), ("recall_new", "\(e.recall(.recommender, .new))"),
                ("map_new", "\(e.meanAveragePrecision(.recommender, .new))"),
                ("popularity_precision_new", "\(e.precision(.popularity, .new))"), ("evaluated_people", "\(e.people[1])"),
            ]
            print("{" + line.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } catch {
            StandardError.write("recommend bench: \(error)\n")
            exit(1)
        }
    }

    /// Reads PREFIX.person.u32 / .item.u32 / .action.u8 / .day.i32 (sorted by person) into one shard per range.
    static func shards(_ prefix: String, people: Int, ranges: [(Int, Int)]) -> [InteractionShard] {
        func read<T: FixedWidthInteger>(_ suffix: String, as: T.Type) -> [T] {
            guard let data = FileManager.default.contents(atPath: prefix + suffix) else {
                StandardError.write("recommend bench: cannot read \(prefix + suffix)\n")
                exit(66)
            }
            return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        let person = read(".person.u32", as: UInt32.self), item = read(".item.u32", as: UInt32.self)
        let action = read(".action.u8", as: UInt8.self), day = read(".day.i32", as: Int32.self)
        var offsets = [Int](repeating: 0, count: people + 1)
        for p in person { offsets[Int(p) + 1] += 1 }
        for p in 0..<people { offsets[p + 1] += offsets[p] }
        return ranges.map { start, count in
            let first = offsets[start], last = offsets[start + count]
            return InteractionShard(rowStart: start, offsets: (start...(start + count)).map { UInt32(offsets[$0] - first) },
                                    items: Array(item[first..<last]), actions: Array(action[first..<last]), days: Array(day[first..<last]))
        }
    }
}
