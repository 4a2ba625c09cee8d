@testable import Forest
@testable import Kernels
@testable import OmnisegCore
@testable import TestSupport
import Testing

@Suite struct FeatureBinsTests {
    @Test func fewDistinctValuesGetOneBinEach() {
        let bins = FeatureBins(sample: [3, 1, 2, 2, 3, 1, 7])
        #expect(bins.edges == [1, 2, 3])
        #expect([Float(0.5), 1, 1.5, 2, 3, 6.9, 7, 100].map(bins.bin) == [0, 0, 1, 1, 2, 3, 3, 3])
        #expect(bins.upperValue(ofBin: 1) == 2 && bins.upperValue(ofBin: 3) == .infinity)
    }

    @Test func manyValuesGetQuantileBinsOfAboutEqualSize() {
        var rng = SplitMix64(seed: 3)
        let values = (0..<100_000).map { _ in Float(rng.next() % 1_000_000) / 1000 }
        let bins = FeatureBins(sample: values)
        #expect(bins.binCount <= 256 && bins.binCount > 200)
        var counts = [Int](repeating: 0, count: bins.binCount)
        var out = [UInt8](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { v in out.withUnsafeMutableBufferPointer { bins.bin(v, into: $0.baseAddress!, stride: 1) } }
        for b in out { counts[Int(b)] += 1 }
        #expect(counts.max() ?? 0 < 3 * values.count / 256, "no bin holds much more than its share: \(counts.max() ?? 0)")
        // Every kernel variant agrees with the one-value binary search, and bins are monotone in the value.
        let reference = values.map(bins.bin)
        for variant in KernelVariant.supportedHere {
            var strided = [UInt8](repeating: 0, count: 3 * values.count)
            values.withUnsafeBufferPointer { v in strided.withUnsafeMutableBufferPointer { bins.bin(v, into: $0.baseAddress! + 1, stride: 3, variant: variant) } }
            #expect((0..<values.count).allSatisfy { strided[3 * $0 + 1] == reference[$0] }, "\(variant)")
            #expect(strided.enumerated().allSatisfy { $0.offset % 3 == 1 || $0.element == 0 }, "\(variant) writes only its stride")
        }
        let sorted = values.sorted()
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { bins.bin($0) <= bins.bin($1) })
    }
}

@Suite struct SplitSearchTests {
    /// Best Gini split by brute force on the raw values: every distinct value as "≤ threshold".
    private func bruteForce(_ values: [Float], _ labels: [UInt8], _ weights: [Double], minimumLeaf: Double) -> (threshold: Float, gain: Double)? {
        func gini(_ w: Double, _ p: Double) -> Double { w > 0 ? w * 2 * (p / w) * (1 - p / w) : 0 }
        let total = weights.reduce(0, +)
        let positive = zip(weights, labels).reduce(0.0) { $0 + $1.0 * Double($1.1) }
        var best: (threshold: Float, gain: Double)?
        for t in Set(values).sorted().dropLast() {
            var lw = 0.0, lp = 0.0
            for i in values.indices where values[i] <= t { lw += weights[i]; lp += weights[i] * Double(labels[i]) }
            guard lw >= minimumLeaf, total - lw >= minimumLeaf else { continue }
            let gain = gini(total, positive) - gini(lw, lp) - gini(total - lw, positive - lp)
            if gain > 1e-12, gain > (best?.gain ?? 0) { best = (t, gain) }
        }
        return best
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func histogramSearchMatchesBruteForce(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        let n = 300
        let values = (0..<n).map { _ in Float(rng.next() % 40) / 4 }  // ties on purpose
        let labels = values.map { v -> UInt8 in (v > 5 && rng.next() % 10 < 8) || rng.next() % 10 == 0 ? 1 : 0 }
        let weights = (0..<n).map { _ in Double(1 + rng.next() % 3) }
        let bins = FeatureBins(sample: values)
        var binned = [UInt8](repeating: 0, count: n)
        values.withUnsafeBufferPointer { v in binned.withUnsafeMutableBufferPointer { bins.bin(v, into: $0.baseAddress!, stride: 1) } }
        var histogram = BinHistogram(bins: bins.binCount)
        binned.withUnsafeBufferPointer { histogram.add(bins: $0, rows: (0..<Int32(n)).map { $0 }, weights: weights, labels: labels) }
        for minimumLeaf in [1.0, 40.0] {
            let fast = SplitSearch.best(histogram, feature: 7, minimumLeafWeight: minimumLeaf)
            let slow = bruteForce(values, labels, weights, minimumLeaf: minimumLeaf)
            #expect((fast == nil) == (slow == nil))
            if let fast, let slow {
                #expect(fast.feature == 7)
                #expect(bins.upperValue(ofBin: fast.bin) == slow.threshold, "seed \(seed) leaf \(minimumLeaf)")
                #expect(abs(fast.gain - slow.gain) <= 1e-9 * max(1, slow.gain))
                #expect(fast.leftWeight >= minimumLeaf && fast.rightWeight >= minimumLeaf)
            }
        }
    }

    @Test func aPureNodeHasNoSplit() {
        var histogram = BinHistogram(bins: 4)
        histogram.weight = [3, 2, 5, 1]
        histogram.positive = [0, 0, 0, 0]
        #expect(SplitSearch.best(histogram, feature: 0, minimumLeafWeight: 1) == nil)
    }
}

@Suite struct DecisionTreeTests {
    private func data(rows: Int, seed: UInt64) -> (rows: BinnedRows, labels: [UInt8]) {
        var rng = SplitMix64(seed: seed)
        let columns = (0..<5).map { _ in (0..<rows).map { _ in UInt8(rng.next() % 10) } }
        let labels = (0..<rows).map { i -> UInt8 in columns[0][i] > 5 && columns[1][i] < 3 ? 1 : 0 }
        return (BinnedRows(columns: columns, binCounts: Array(repeating: 10, count: 5)), labels)
    }

    @Test func aTreeLearnsARuleExactly() {
        let (rows, labels) = data(rows: 2000, seed: 1)
        var options = TreeOptions()
        options.maximumDepth = 4
        options.featuresPerSplit = 5
        let tree = TreeGrower(rows: rows, labels: labels, options: options).grow(weights: Array(repeating: 1, count: labels.count), seed: 9).tree
        let wrong = labels.indices.filter { i in (tree.predict { rows[i, $0] } >= 0.5 ? 1 : 0) != labels[i] }.count
        #expect(wrong == 0, "\(wrong) of \(labels.count) misclassified")
        #expect(tree.depth <= 4)
    }

    @Test func treesAreDeterministicBySeedAndRespectTheirLimits() {
        let (rows, labels) = data(rows: 1500, seed: 2)
        var options = TreeOptions()
        options.maximumDepth = 6
        options.minimumLeafWeight = 25
        var rng = SplitMix64(seed: 4)
        let weights = labels.map { _ in Double(rng.next() % 3) }  // 0 = not in this bootstrap
        let grower = TreeGrower(rows: rows, labels: labels, options: options)
        #expect(grower.grow(weights: weights, seed: 5) == grower.grow(weights: weights, seed: 5))
        let grown = grower.grow(weights: weights, seed: 5)
        let tree = grown.tree
        #expect(tree.depth <= 6 && tree.depth >= 2)
        // Every leaf holds at least the minimum weight of the rows it was grown on, and its value is
        // their weighted positive share.
        var leafWeight = [Int: Double](), leafPositive = [Int: Double]()
        for i in labels.indices where weights[i] > 0 {
            let leaf = tree.leaf { rows[i, $0] }
            leafWeight[leaf, default: 0] += weights[i]
            leafPositive[leaf, default: 0] += weights[i] * Double(labels[i])
        }
        #expect(leafWeight.values.allSatisfy { $0 >= 25 }, "\(leafWeight.values.sorted().prefix(3))")
        #expect(leafWeight.keys.allSatisfy { abs(Double(tree.value[$0]) - leafPositive[$0, default: 0] / leafWeight[$0, default: 1]) < 1e-6 })
        #expect(grown.importance[0] > 0 && grown.importance[1] > 0, "the two features of the rule carry the splits")
        #expect(grown.importance[0] + grown.importance[1] > 0.8 * grown.importance.reduce(0, +))
    }
}

@Suite struct ClassifierMetricsTests {
    @Test func perfectRandomAndTiedScores() {
        let labels: [UInt8] = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        let perfect = ClassifierMetrics(scores: [0.9, 0.8, 0.4, 0.3, 0.3, 0.2, 0.1, 0.1, 0.05, 0], labels: labels)
        #expect(perfect.rocAUC == 1 && perfect.prAUC == 1)
        #expect(perfect.topDecileCapture == 0.5 && perfect.topDecileLift == 5)
        let reversed = ClassifierMetrics(scores: [0, 0.1, 0.4, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 1], labels: labels)
        #expect(reversed.rocAUC == 0)
        let tied = ClassifierMetrics(scores: Array(repeating: 0.5, count: 10), labels: labels)
        #expect(tied.rocAUC == 0.5, "all ties: chance")
        #expect(abs(tied.prAUC - 0.2) < 1e-12, "all ties: precision is the base rate")
    }

    @Test func rocAUCMatchesCountingPairs() {
        var rng = SplitMix64(seed: 8)
        let scores = (0..<400).map { _ in Float(rng.next() % 50) / 50 }
        let labels = scores.map { s -> UInt8 in Float(rng.next() % 100) / 100 < s ? 1 : 0 }
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where labels[i] == 1 {
            for j in scores.indices where labels[j] == 0 {
                pairs += 1
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
            }
        }
        let metrics = ClassifierMetrics(scores: scores, labels: labels)
        #expect(abs(metrics.rocAUC - wins / pairs) < 1e-12)
        #expect(metrics.rocAUC > 0.6)
    }
}

@Suite struct RandomForestTests {
    /// Churn-like data: a noisy rule over two of six features, 20% positives.
    static func data(rows: Int, seed: UInt64) -> (rows: BinnedRows, labels: [UInt8]) {
        var rng = SplitMix64(seed: seed)
        let columns = (0..<6).map { _ in (0..<rows).map { _ in UInt8(rng.next() % 32) } }
        let labels = (0..<rows).map { i -> UInt8 in
            let risk = Double(columns[0][i]) / 31 * 0.7 + (columns[3][i] < 8 ? 0.3 : 0)
            return Double(rng.next() % 1000) / 1000 < risk * risk ? 1 : 0
        }
        return (BinnedRows(columns: columns, binCounts: Array(repeating: 32, count: 6)), labels)
    }

    @Test func aForestRanksHeldOutRowsAndItsOutOfBagEstimateAgrees() {
        let train = Self.data(rows: 3000, seed: 1), test = Self.data(rows: 2000, seed: 2)
        var options = ForestOptions()
        options.trees = 30
        options.tree.maximumDepth = 8
        options.tree.minimumLeafWeight = 5
        let trees = RandomForest.grow(trees: 0..<30, rows: train.rows, labels: train.labels, options: options).map(\.tree)
        let forest = RandomForest(trees: trees)
        let scores = test.labels.indices.map { i in forest.probability { test.rows[i, $0] } }
        let heldOut = ClassifierMetrics(scores: scores, labels: test.labels)
        #expect(heldOut.rocAUC > 0.75, "held-out AUC \(heldOut.rocAUC)")
        let oob = RandomForest.outOfBag(trees, numbered: Array(0..<30), rows: train.rows, seed: options.seed)
        let known = oob.counts.indices.filter { oob.counts[$0] > 0 }
        let oobMetrics = ClassifierMetrics(scores: known.map { oob.sums[$0] / Float(oob.counts[$0]) }, labels: known.map { train.labels[$0] })
        #expect(known.count > 2500, "most rows are out of bag for some tree")
        #expect(abs(oobMetrics.rocAUC - heldOut.rocAUC) < 0.05, "OOB AUC \(oobMetrics.rocAUC) vs held-out \(heldOut.rocAUC)")
    }

    @Test func slicesGrownApartMakeTheSameForest() {
        let train = Self.data(rows: 800, seed: 3)
        var options = ForestOptions()
        options.trees = 6
        options.tree.maximumDepth = 5
        let whole = RandomForest.grow(trees: 0..<6, rows: train.rows, labels: train.labels, options: options)
        let slices = RandomForest.grow(trees: 0..<2, rows: train.rows, labels: train.labels, options: options)
            + RandomForest.grow(trees: 2..<6, rows: train.rows, labels: train.labels, options: options)
        #expect(whole == slices, "a tree depends only on the seed and its index, whichever task grows it")
        let counts = (0..<10_000).map { RandomForest.bootstrapCount(seed: 1, tree: 0, row: $0) }
        let mean = Double(counts.reduce(0, +)) / 10_000
        #expect(abs(mean - 1) < 0.05, "a row is drawn once on average: \(mean)")
        #expect(abs(Double(counts.filter { $0 == 0 }.count) / 10_000 - 0.368) < 0.02, "about e⁻¹ of the rows are out of bag")
    }
}

@Suite struct ForestTraversalTests {
    @Test(arguments: [1, 17, 4096 + 77])
    func everyKernelMatchesTheScalarReferenceBitForBit(rows count: Int) {
        let train = RandomForestTests.data(rows: 1500, seed: 11)
        var options = ForestOptions()
        options.trees = 9
        options.tree.maximumDepth = 7
        let forest = RandomForest(trees: RandomForest.grow(trees: 0..<9, rows: train.rows, labels: train.labels, options: options).map(\.tree)
            + [{ var stump = DecisionTree(); stump.appendLeaf(value: 0.25); return stump }()])  // a lone leaf: depth 0
        let test = RandomForestTests.data(rows: count, seed: 12).rows
        let reference = (0..<count).map { i in forest.probability { test[i, $0] } }
        let compiled = CompiledForest(forest)
        for variant in KernelVariant.supportedHere {
            let scores = compiled.predict(test, variant: variant)
            #expect(scores.map(\.bitPattern) == reference.map(\.bitPattern), "\(variant)")
        }
        // A sub-range scores the same as the whole.
        if count > 20 {
            var part = [Float](repeating: -1, count: 10)
            part.withUnsafeMutableBufferPointer { compiled.predict(test, range: 5..<15, into: $0.baseAddress!) }
            #expect(part == Array(reference[5..<15]))
        }
    }
}
