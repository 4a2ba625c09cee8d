import Features
import Foundation
import Kernels
import OmnisegCore
import Synchronization

/// `Bench --lloyd`: Lloyd iterations of our kernels over the same input file the peers read.
///
///     Bench --lloyd DATA INIT --n N --d D --k K --iterations I --threads T
///
/// DATA: `n × d` float32, row-major, little-endian (numpy `tofile`); INIT: `k × d` float32 initial
/// centroids. No standardization (centre 0, scale 1), no empty-cluster handling beyond keeping the
/// centroid, `tol = 0`: the same arithmetic scikit-learn's `KMeans(init=INIT, n_init=1,
/// algorithm="lloyd", tol=0)` does. Prints one JSON line: milliseconds per iteration (median of the
/// iterations) and the inertia of the final centroids.
enum LloydBench {
    static func run(_ arguments: [String]) {
        var options: [String: Int] = [:]
        var files: [String] = []
        var iterator = arguments.makeIterator()
        while let a = iterator.next() {
            if a.hasPrefix("--"), let value = iterator.next().flatMap(Int.init) { options[String(a.dropFirst(2))] = value } else { files.append(a) }
        }
        guard files.count == 2, let n = options["n"], let d = options["d"], let k = options["k"] else {
            StandardError.write("usage: Bench --lloyd DATA INIT --n N --d D --k K [--iterations I] [--threads T]\n")
            exit(64)
        }
        let iterations = options["iterations"] ?? 10
        let threads = options["threads"] ?? 1
        let shardRows = 65_536
        guard let data = FileManager.default.contents(atPath: files[0]), data.count == n * d * 4,
              let initial = FileManager.default.contents(atPath: files[1]), initial.count == k * d * 4 else {
            StandardError.write("Bench --lloyd: \(files[0]) must hold \(n) × \(d) float32 and \(files[1]) \(k) × \(d)\n")
            exit(65)
        }
        // Row-major file → column-major shards (outside the timing).
        let shards: [FeatureShard] = data.withUnsafeBytes { raw in
            let values = raw.bindMemory(to: Float.self)
            return stride(from: 0, to: n, by: shardRows).compactMap { start -> FeatureShard? in
                let rows = min(shardRows, n - start)
                let stride = (rows + 15) / 16 * 16
                var bytes = [UInt8](repeating: 0, count: stride * d * 4)
                bytes.withUnsafeMutableBytes { out in
                    let columns = out.bindMemory(to: Float.self)
                    for c in 0..<d { for i in 0..<rows { columns[c * stride + i] = values[(start + i) * d + c] } }
                }
                return bytes.withUnsafeBytes { try? FeatureShard.decode(rowStart: start, rowCount: rows, columnCount: d, columnStride: stride, data: $0) }
            }
        }
        var centroids: [Double] = initial.withUnsafeBytes { raw in raw.bindMemory(to: Float.self).map(Double.init) }
        let columns = Array(0..<d)
        let identity = (center: [Float](repeating: 0, count: d), scale: [Float](repeating: 1, count: d))
        var times: [Double] = []
        var inertia = 0.0
        for _ in 0..<iterations {
            let table = CentroidTable(centroids: centroids, k: k, center: identity.center, scale: identity.scale)
            let start = ProgressMeter.now()
            let parts = assign(shards, columns: columns, table: table, threads: threads)
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int64](repeating: 0, count: k)
            inertia = 0
            for part in parts {
                for i in 0..<(k * d) { sums[i] += part.sums[i] }
                for j in 0..<k { counts[j] += part.counts[j] }
                inertia += part.inertia
            }
            for j in 0..<k where counts[j] > 0 {
                for c in 0..<d { centroids[j * d + c] = sums[j * d + c] / Double(counts[j]) }
            }
            times.append(ProgressMeter.now() - start)
        }
        // As scikit-learn does after its last iteration: the inertia of the final centroids (untimed).
        let final = CentroidTable(centroids: centroids, k: k, center: identity.center, scale: identity.scale)
        inertia = assign(shards, columns: columns, table: final, threads: threads).reduce(0) { $0 + $1.inertia }
        // What memory bandwidth allows: one plain pass over the same shards (a vectorised sum), best of 3.
        let pass = (0..<3).map { _ in
            let start = ProgressMeter.now()
            KernelBench.sumAll(shards, d: d)
            return ProgressMeter.now() - start
        }.min() ?? 0
        let sorted = times.sorted()
        let line = "{\"tool\":\"omniseg\",\"variant\":\"\(KernelVariant.best.rawValue)\",\"n\":\(n),\"d\":\(d),\"k\":\(k),\"threads\":\(threads),"
            + "\"iterations\":\(iterations),\"ms_per_iteration\":\(sorted[sorted.count / 2] * 1000),\"inertia\":\(inertia),"
            + "\"memory_pass_ms\":\(pass * 1000)}"
        print(line)
    }

    /// Shard partials in shard order, the shards split between `threads` threads (each its own scratch).
    static func assign(_ shards: [FeatureShard], columns: [Int], table: CentroidTable, threads: Int) -> [ShardAssignment] {
        let results = Mutex<[ShardAssignment?]>(Array(repeating: nil, count: shards.count))
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var scratch = AssignmentScratch()
            for s in stride(from: t, to: shards.count, by: threads) {
                let part = NearestCentroid.assign(shards[s], columns: columns, table: table, scratch: &scratch)
                results.withLock { $0[s] = part }
            }
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}
