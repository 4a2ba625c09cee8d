import Features
import Foundation
import Kernels
import KernelsAVX512
import OmnisegCore

/// `Bench --kernels`: milliseconds per Lloyd assignment pass over n = 1M rows (16 shards of 65,536),
/// d = 16, for k = 8, 16, 64, per kernel variant on one thread (the whole step, and for AVX-512 the
/// nearest-centroid part alone); and the time of one plain pass over the same bytes (a vectorised
/// sum), which is what memory bandwidth allows.
enum KernelBench {
    static let rows = 1 << 20
    static let shardRows = 65_536

    static func run() {
        let d = 16
        var rng = SplitMix64(seed: 7)
        let shards: [FeatureShard] = (0..<(rows / shardRows)).compactMap { s in
            var bytes = [UInt8]()
            bytes.reserveCapacity(shardRows * d * 4)
            for _ in 0..<(shardRows * d) {
                let v = Float(rng.next() % 1_000_000) / 1000
                withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
            return bytes.withUnsafeBytes { raw in
                try? FeatureShard.decode(rowStart: s * shardRows, rowCount: shardRows, columnCount: d, columnStride: shardRows, data: raw)
            }
        }
        let columns = Array(0..<d)
        let bytes = shards.count * shardRows * d * 4
        emit(Measurement(name: "memory_pass_sum_1_thread", seconds: best { sumAll(shards, d: d) }, rows: rows, bytes: bytes))
        for k in [8, 16, 64] {
            let centroids = (0..<(k * d)).map { _ in Double(rng.next() % 1000) / 250 - 2 }
            let table = CentroidTable(centroids: centroids, k: k, center: [Float](repeating: 500, count: d), scale: [Float](repeating: 290, count: d))
            if KernelVariant.supportedHere.contains(.avx512) {
                let seconds = best {
                    var labels = [Int32](repeating: 0, count: shardRows)
                    var scores = [Float](repeating: 0, count: shardRows)
                    for shard in shards {
                        let pointers = columns.compactMap { shard.column($0).baseAddress }
                        pointers.withUnsafeBufferPointer { c in table.tileWeights.withUnsafeBufferPointer { w in table.bias.withUnsafeBufferPointer { b in
                            labels.withUnsafeMutableBufferPointer { l in scores.withUnsafeMutableBufferPointer { s in
                                guard let c = c.baseAddress, let w = w.baseAddress, let b = b.baseAddress,
                                      let l = l.baseAddress, let s = s.baseAddress else { return }
                                nearestCentroidAVX512(columns: c, dimension: d, rowCount: shardRows, tileWeights: w, bias: b,
                                                      tiles: table.tiles, labels: l, scores: s)
                            } }
                        } } }
                    }
                    blackHole(Double(scores[0]))
                }
                emit(Measurement(name: "assign_only_n1M_d16_k\(k)_avx512_1_thread", seconds: seconds, rows: rows, bytes: bytes))
            }
            for variant in KernelVariant.supportedHere {
                var scratch = AssignmentScratch()
                let seconds = best {
                    var inertia = 0.0
                    for shard in shards { inertia += NearestCentroid.assign(shard, columns: columns, table: table, variant: variant, scratch: &scratch).inertia }
                    blackHole(inertia)
                }
                emit(Measurement(name: "lloyd_assign_n1M_d16_k\(k)_\(variant.rawValue)_1_thread", seconds: seconds, rows: rows, bytes: bytes))
            }
        }
    }

    /// The fastest of five runs.
    static func best(_ body: () -> Void) -> Double {
        (0..<5).map { _ in timed(body).1 }.min() ?? 0
    }

    static func sumAll(_ shards: [FeatureShard], d: Int) {
        var total = SIMD16<Float>()
        for shard in shards {
            for c in 0..<d {
                let column = shard.column(c)
                column.withMemoryRebound(to: SIMD16<Float>.self) { vectors in
                    for v in vectors { total += v }
                }
            }
        }
        blackHole(Double(total.sum()))
    }

    @inline(never) static func blackHole(_ value: Double) {
        if value == -1.2345 { StandardError.write("") }
    }
}
