import Forest
import Foundation
import Kernels
import OmnisegCore
import Synchronization

/// `Bench --forest TRAIN TEST --n N --d D --test-n M --threads T [--trees 100] [--depth 12]`: trains
/// our random forest on TRAIN.f32/TRAIN.u8 (written by bench/peers/forest_peers.py make) the way the
/// churn-train job does (bin edges from a sample, uint8 rows, trees split over T threads), then scores
/// TEST (binning included) with the batch traversal kernel on T threads. Prints one JSON line:
/// train and scoring seconds and the ROC AUC on TEST. Inputs are read into column-major floats first,
/// the layout of the workspace's feature shards (not timed, as the peers' numpy loading is not).
enum ForestBench {
    static func run(_ args: [String]) {
        let (options, files) = BenchArguments.parse(args)
        guard files.count == 2, let n = options["n"].flatMap(Int.init), let d = options["d"].flatMap(Int.init),
              let testN = options["test-n"].flatMap(Int.init) else {
            StandardError.write("usage: Bench --forest TRAIN TEST --n N --d D --test-n M [--threads T] [--trees 100] [--depth 12]\n")
            exit(64)
        }
        let threads = options["threads"].flatMap(Int.init) ?? 1
        var forestOptions = ForestOptions()
        forestOptions.trees = options["trees"].flatMap(Int.init) ?? 100
        forestOptions.tree.maximumDepth = options["depth"].flatMap(Int.init) ?? 12

        let (train, labels) = load(files[0], rows: n, d: d)
        let start = ProgressMeter.now()
        let step = max(1, (n + 199_999) / 200_000)
        let bins = (0..<d).map { f in FeatureBins(sample: Swift.stride(from: 0, to: n, by: step).map { train.storage[f * n + $0] }) }
        let rows = train.withColumns { BinnedRows(rowCount: n, bins: bins, column: $0) }
        let binSeconds = ProgressMeter.now() - start
        let grower = TreeGrower(rows: rows, labels: labels, options: forestOptions.tree)
        let fixedOptions = forestOptions
        let grown = Mutex<[DecisionTree?]>(Array(repeating: nil, count: forestOptions.trees))
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            for t in Swift.stride(from: w, to: fixedOptions.trees, by: threads) {
                let tree = grower.grow(weights: RandomForest.weights(tree: t, labels: labels, options: fixedOptions), seed: fixedOptions.treeSeed(t))
                grown.withLock { $0[t] = tree.tree }
            }
        }
        let forest = RandomForest(trees: grown.withLock { $0.compactMap { $0 } })
        let trainSeconds = ProgressMeter.now() - start

        let (test, testLabels) = load(files[1], rows: testN, d: d)
        let compiled = CompiledForest(forest)
        var scores = [Float](repeating: 0, count: testN)
        let block = 65_536
        let blocks = (testN + block - 1) / block
        let scoreStart = ProgressMeter.now()
        scores.withUnsafeMutableBufferPointer { out in
            let base = UncheckedPointer(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: threads) { w in
                for b in Swift.stride(from: w, to: blocks, by: threads) {
                    let range = (b * block)..<min(testN, (b + 1) * block)
                    let binned = test.withColumns { column in
                        BinnedRows(rowCount: range.count, bins: bins) { UnsafeBufferPointer(rebasing: column($0)[range]) }
                    }
                    compiled.predict(binned, range: 0..<range.count, into: base.pointer + range.lowerBound)
                }
            }
        }
        let scoreSeconds = ProgressMeter.now() - scoreStart
        let auc = ClassifierMetrics(scores: scores, labels: testLabels).rocAUC
        let nodes = forest.trees.reduce(0) { $0 + $1.nodeCount }
        print("{\"tool\":\"omniseg\",\"n\":\(n),\"d\":\(d),\"test_n\":\(testN),\"threads\":\(threads),\"kernels\":\"\(KernelVariant.best.rawValue)\","
              + "\"bin_seconds\":\(binSeconds),\"train_seconds\":\(trainSeconds),\"score_seconds\":\(scoreSeconds),"
              + "\"score_rows_per_second\":\(Double(testN) / scoreSeconds),\"auc\":\(auc),\"nodes\":\(nodes)}")
    }

    /// Row-major float32 n×d and uint8 labels, as column-major columns.
    static func load(_ prefix: String, rows n: Int, d: Int) -> (Columns, [UInt8]) {
        guard let raw = FileManager.default.contents(atPath: prefix + ".f32"), raw.count >= n * d * 4,
              let labelData = FileManager.default.contents(atPath: prefix + ".u8"), labelData.count >= n else {
            StandardError.write("cannot read \(prefix).f32 / .u8 with \(n) rows of \(d) features\n")
            exit(1)
        }
        var columns = Columns(rows: n, d: d)
        raw.withUnsafeBytes { bytes in
            let values = bytes.bindMemory(to: Float.self)
            for r in 0..<n { for f in 0..<d { columns.storage[f * n + r] = values[r * d + f] } }
        }
        return (columns, Array(labelData.prefix(n)))
    }

    /// Column-major floats.
    struct Columns {
        let rows: Int
        var storage: [Float]
        init(rows: Int, d: Int) { self.rows = rows; storage = [Float](repeating: 0, count: rows * d) }
        func withColumns<T>(_ body: ((Int) -> UnsafeBufferPointer<Float>) -> T) -> T {
            storage.withUnsafeBufferPointer { all in body { UnsafeBufferPointer(rebasing: all[($0 * rows)..<(($0 + 1) * rows)]) } }
        }
    }

    /// A pointer the scoring threads share; each writes its own rows.
    struct UncheckedPointer: @unchecked Sendable { let pointer: UnsafeMutablePointer<Float>; init(_ p: UnsafeMutablePointer<Float>) { pointer = p } }
}
