@testable import Clustering
@testable import Features
@testable import Kernels
import Foundation
@testable import OmnisegCore
import Testing

/// Per-feature transforms, their choice on a sample, scaling, cluster names and the derived-shard memo.
@Suite struct FeatureTransformTests {
    /// 1,000 values: `exp` of a uniform spread (right-skewed), or the spread itself (symmetric).
    private func sample(skewed: Bool, offset: Float = 0) -> [Float] {
        (0..<1000).map { i in
            let u = Float(i) / 1000
            return (skewed ? Float(exp(Double(4 * u))) : 10 * u) + offset
        }
    }

    @Test func theLogIsTakenOfSkewedFeaturesThatAreNeverNegative() {
        let skewed = sample(skewed: true), flat = sample(skewed: false)
        #expect(FeatureTransform.skewness(skewed) > 1 && abs(FeatureTransform.skewness(flat)) < 0.1)
        #expect(FeatureTransform.choose(sample: skewed, minimum: 0, policy: .auto, winsorize: 1).log)
        #expect(!FeatureTransform.choose(sample: flat, minimum: 0, policy: .auto, winsorize: 1).log)
        #expect(FeatureTransform.choose(sample: flat, minimum: 0, policy: .log, winsorize: 1).log)
        #expect(!FeatureTransform.choose(sample: skewed, minimum: -1, policy: .auto, winsorize: 1).log, "a feature with a negative value keeps its unit")
        #expect(!FeatureTransform.choose(sample: skewed, minimum: 0, policy: .none, winsorize: 1).log)
        #expect(FeatureTransform.choose(sample: flat, minimum: 0, policy: .none, winsorize: 1) == .identity)
        let log = FeatureTransform(log: true, low: -.infinity, high: .infinity)
        #expect(log.apply(0) == 0 && abs(log.apply(99) - Float(Foundation.log(100.0))) < 1e-5 && log.apply(-5) == 0)
    }

    @Test func winsorizingClipsAtTheSamplePercentilesAndNeverMakesAFeatureConstant() {
        let values = (0..<1000).map(Float.init)
        let t = FeatureTransform.choose(sample: values, minimum: 0, policy: .none, winsorize: 0.99)
        #expect(t.low == 10 && t.high == 990, "\(t)")
        #expect(t.apply(5000) == 990 && t.apply(-3) == 10 && t.apply(500) == 500)
        #expect(t.summary == "clipped to [10.0, 990]")
        // 999 zeros and a one: both percentiles are 0, so nothing is clipped (the one stays apart).
        let sparse = [Float](repeating: 0, count: 999) + [1]
        #expect(FeatureTransform.choose(sample: sparse, minimum: 0, policy: .none, winsorize: 0.995) == .identity)
        #expect(FeatureTransform.identity.summary == "as is")
    }

    @Test func transformsRoundTripAndDamagedOnesAreRefused() throws {
        for t in [FeatureTransform.identity, FeatureTransform(log: true, low: 0, high: 8.5)] {
            var w = WireWriter()
            t.encode(into: &w)
            var r = WireReader(w.bytes, what: "t")
            #expect(try FeatureTransform.decode(from: &r) == t)
        }
        for (flag, low, high) in [(UInt8(2), Float(0), Float(1)), (0, 1, 1), (0, .nan, 1), (1, 2, 1), (0, .infinity, .infinity)] {
            var w = WireWriter()
            w.u8(flag)
            w.f32(low)
            w.f32(high)
            var r = WireReader(w.bytes, what: "t")
            #expect(throws: OmnisegError.self) { try FeatureTransform.decode(from: &r) }
        }
    }

    @Test func robustScalingUsesTheMedianAndTheInterquartileRange() {
        let values = (0..<100).map(Double.init) + [10_000]
        let robust = FeatureScaling.robust.centerAndScale(values), standard = FeatureScaling.standard.centerAndScale(values)
        #expect(robust.center == 50 && abs(robust.scale - 50 / 1.349) < 1e-9, "\(robust)")
        #expect(standard.center > 140 && standard.scale > 900, "the outlier moves the mean and the deviation: \(standard)")
        #expect(FeatureScaling.robust.centerAndScale([3, 3, 3]) == (3, 1))
        let mostlyZero = [Double](repeating: 0, count: 90) + [Double](repeating: 1, count: 10)
        #expect(abs(FeatureScaling.robust.centerAndScale(mostlyZero).scale - 0.3) < 1e-9, "IQR 0: the deviation")
    }

    @Test func aDerivedShardIsBuiltOncePerKey() {
        let shard = FeatureShard(rowStart: 0, rowCount: 4, columnCount: 1)
        var builds = 0
        func derive(_ key: [UInt8]) -> FeatureShard {
            shard.derived(key: key) { () -> FeatureShard in
                builds += 1
                return FeatureShard(rowStart: 0, rowCount: 4, columnCount: 2)
            }
        }
        let a = derive([1]), again = derive([1])
        #expect(a === again && builds == 1)
        let b = derive([2])
        #expect(b !== a && builds == 2)
        _ = derive([1])
        #expect(builds == 3, "one derived shard is kept at a time")
    }

    @Test func clusterNamesComeFromTheMostDistinctFeaturesAndAreUnique() {
        let names = ["frequency", "online_frequency", "online_monetary", "discount_share", "dept_share_home"]
        // Cluster 0: frequent online (the two online features say one thing), discount-driven;
        // clusters 1 and 2 alike on their top two, apart on the third; cluster 3 near the mean.
        let centroids: [Double] = [
            0.2, 1.6, 1.5, 0.9, 0,
            -1.2, 0, 0, 0.8, 0.6,
            -1.2, 0, 0, 0.8, -0.6,
            0.1, -0.2, 0, 0, 0.3,
        ]
        let result = ClusterResult(featureNames: names, center: [0, 0, 0, 0, 0], scale: [1, 1, 1, 1, 1], centroids: centroids, counts: [1, 1, 1, 1],
                                   inertia: 0, iterations: 1, converged: true, labels: [0, 1, 2, 3], profileNames: names,
                                   profileMeans: [Double](repeating: 0, count: 20), channels: [Int64](repeating: 0, count: 16))
        let named = ClusterNaming.names(result)
        #expect(named == ["frequent online, discount-driven", "infrequent, discount-driven, home-focused",
                          "infrequent, discount-driven, little home", "typical"], "\(named)")
        #expect(result.table.contains("frequent online, discount-driven: online_frequency +1.6σ"))
    }
}

/// The vectorized log1p of the cluster transforms.
@Suite struct ColumnTransformTests {
    @Test func sixteenLanesAgreeWithOneValueBitForBitAndWithTheLibraryLog() {
        var rng = SplitMix64(seed: 3)
        var values: [Float] = [0, 1e-7, 1e-3, 0.5, 0.41421, 0.41422, 1, 2, 3, 10, 99, 1e4, 1e7, 3e38, -1, -5]
        for _ in 0..<4000 { values.append(Float(Double(rng.next() % 1_000_000) / 1000 * pow(10, Double(rng.next() % 7) - 3))) }
        while values.count % 16 != 0 { values.append(Float(values.count)) }
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                ColumnTransform.apply(log: true, low: -.infinity, high: .infinity, source: source, target: target)
            }
        }
        for (x, y) in zip(values, out) {
            #expect(y.bitPattern == ColumnTransform.log1p(x).bitPattern, "lanes and scalar at \(x)")
            let exact = Foundation.log1p(Double(max(x, 0)))
            #expect(abs(Double(y) - exact) <= 2e-7 * max(1, exact), "log1p(\(x)) = \(y), library \(exact)")
        }
    }

    @Test func clippingAndThePaddingOfATransformedShard() {
        let shard = FeatureShard(rowStart: 0, rowCount: 5, columnCount: 2)
        for (i, v) in [Float(-2), 0, 3, 50, 7].enumerated() { shard.mutableColumn(0)[i] = v; shard.mutableColumn(1)[i] = v }
        let t = FeatureTransform.apply([FeatureTransform(log: false, low: 1, high: 10), FeatureTransform(log: true, low: -.infinity, high: 2)],
                                       to: shard, columns: [1, 0])
        #expect(Array(t.column(0)[0..<5]) == [1, 1, 3, 10, 7])
        #expect(t.column(1)[0] == 0 && t.column(1)[1] == 0 && t.column(1)[3] == 2 && abs(t.column(1)[2] - Float(Foundation.log(4.0))) < 1e-6)
        #expect(t.column(0)[5..<16].allSatisfy { $0 == 0 }, "the padding stays zero")
    }
}
