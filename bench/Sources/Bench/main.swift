import FeatureStore
import Features
import Foundation
import Identity
import Ingest
import OmnisegCore
import Synthetic
import Workspace

// The foundation benchmarks: generator, ingest (per kind), resolve and features, timed in-process on
// one release build. Prints one JSON object per measurement; bench/run collects them with the peers'.

struct Measurement: Encodable {
    let name: String
    let seconds: Double
    let rows: Int
    let bytes: Int
    var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }

    enum CodingKeys: String, CodingKey { case name, seconds, rows, bytes, rowsPerSecond = "rows_per_second" }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(rows, forKey: .rows)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(rowsPerSecond, forKey: .rowsPerSecond)
    }
}

func emit(_ m: Measurement) {
    let data = (try? JSONEncoder().encode(m)) ?? Data()
    print(String(decoding: data, as: UTF8.self))
    StandardError.write("\(m.name): \(Format.fixed(m.seconds, 2)) s, \(Format.count(Int(m.rowsPerSecond))) rows/s\n")
}

func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = ProgressMeter.now()
    let value = try body()
    return (value, ProgressMeter.now() - start)
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
}

var people = 1_000_000
var dir = "bench/data"
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--people": people = Int(args.next() ?? "") ?? people
    case "--dir": dir = args.next() ?? dir
    case "--kernels": KernelBench.run(); exit(0)
    case "--jaro": JaroBench.run(Array(CommandLine.arguments.dropFirst(2))); exit(0)
    case "--lloyd": LloydBench.run(Array(CommandLine.arguments.dropFirst(2))); exit(0)
    case "--forest": ForestBench.run(Array(CommandLine.arguments.dropFirst(2))); exit(0)
    case "--recommend": RecommendBench.run(Array(CommandLine.arguments.dropFirst(2))); exit(0)
    case "--segments": SegmentBench.run(Array(CommandLine.arguments.dropFirst(2))); exit(0)
    case "--segments-workspace": SegmentBench.makeWorkspace(Array(CommandLine.arguments.dropFirst(2))); exit(0)
    default: StandardError.write("usage: Bench [--people N] [--dir DIR] | Bench --kernels | Bench --jaro PAIRS | Bench --lloyd DATA INIT --n N --d D --k K | Bench --forest TRAIN TEST --n N --d D --test-n M | Bench --recommend PREFIX --people N --items M | Bench --segments --people N\n"); exit(64)
    }
}

do {
    let data = dir + "/data"
    let (summary, generateSeconds) = try timed { try RetailerGenerator(options: GeneratorOptions(people: people, seed: 42)).write(to: data, threads: 2) }
    emit(Measurement(name: "generate_people_2_threads", seconds: generateSeconds, rows: summary.people, bytes: summary.bytes))
    let rows = summary.customerRecords + summary.transactionLines + summary.events
    emit(Measurement(name: "generate_rows_2_threads", seconds: generateSeconds, rows: rows, bytes: summary.bytes))

    let transactions = data + "/transactions.csv"
    let (_, hashSeconds) = try timed { try Ingester.checksum(file: transactions) }
    emit(Measurement(name: "read_and_checksum_transactions_file", seconds: hashSeconds, rows: summary.transactionLines, bytes: fileSize(transactions)))

    let workspacePath = dir + "/bench.sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: workspacePath + suffix) }
    let workspace = try Workspace(path: workspacePath)
    let ingester = Ingester(workspace: workspace, progressStyle: .silent)
    for kind in [IngestKind.customers, .products, .transactions, .events] {
        let file = "\(data)/\(kind.rawValue).csv"
        let (report, seconds) = try timed { try ingester.ingest(file: file, options: IngestOptions(kind: kind)) }
        emit(Measurement(name: "ingest_\(kind.rawValue)_1_core", seconds: seconds, rows: report.rowsRead, bytes: fileSize(file)))
    }
    let (resolved, resolveSeconds) = try timed { try IdentityResolver().resolve(workspace) }
    emit(Measurement(name: "resolve_records", seconds: resolveSeconds, rows: resolved.records, bytes: 0))
    let (matrix, featureSeconds) = try timed { () throws -> FeatureMatrix in
        var m = try FeatureBuilder().build(workspace)
        m.setID = try FeatureStore(workspace: workspace).save(m)
        return m
    }
    emit(Measurement(name: "features_people", seconds: featureSeconds, rows: matrix.rowCount, bytes: matrix.shards.reduce(0) { $0 + $1.byteCount }))
} catch {
    StandardError.write("bench failed: \(error)\n")
    exit(1)
}
