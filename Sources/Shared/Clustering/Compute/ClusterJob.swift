import Features
import Foundation
import JobRuntime
import Kernels
import OmnisegCore

/// The `cluster` job: k-means over chosen features, standardized, in three phases.
///
/// 1. **Survey** (iteration 0): each shard returns its columns' moments and its rows with the
///    `sample` smallest seeded hashes of their row numbers. The merge keeps the globally smallest
///    hashes (a uniform sample that does not depend on the sharding), chooses each feature's
///    transform on it (``FeatureTransform``: log1p of skewed non-negative features, winsorizing),
///    standardizes (by the transformed sample's mean and deviation, or median and IQR; with nothing
///    transformed, by the merged moments of every row) and seeds `k` centroids on the sample with k-means++.
///    The tasks transform their shard once (kept beside the shard for the later iterations).
/// 2. **Lloyd** iterations: each shard returns per-centroid sums, counts and inertia (the SIMD
///    kernels); the merge moves each centroid to its points' mean. An empty cluster restarts at the
///    sample point farthest from its centroid. `n-init` seedings run side by side in the same tasks
///    (one pass over the data serves them all); each stops when its centroids move less than `tol`
///    (sum of squared shifts, in standard deviations), all stop after `max-iter` iterations, and the
///    one with the lowest inertia is kept.
/// 3. **Labelling**: each shard returns its rows' clusters for the final centroids, with the final
///    sizes and inertia.
///
/// Partials merge in shard order, so the result is identical however many workers ran the tasks.
public struct ClusterJob: JobKind {
    public static let name = "cluster"
    public static let codecs = JobCodecs(name, state: 3, result: 3)
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "k-means clusters of people over standardized features (k-means++ seeding, several initializations).",
        parameters: ClusterParameters.schema) { columns, parameters throws(OmnisegError) in
        try ClusterJob(columnNames: columns, parameters: parameters)
    }

    public let columnNames: [String]
    /// The chosen features' positions in the feature set.
    public let columns: [Int]
    /// The k to try: one, or with `k=auto` every k of `k-range` (the best silhouette wins).
    public let kChoices: [Int]
    /// With k=auto: the smallest cluster's least share of the sample for a k to be kept.
    public let minShare: Double
    public var k: Int { kChoices.max() ?? 1 }
    public let seed: UInt64
    public let maxIterations: Int
    public let tolerance: Double
    public let sampleSize: Int
    public let initializations: Int
    /// Which transform each feature may get, the winsorizing percentile and the standardization.
    public let transformPolicy: FeatureTransform.Policy
    public let winsorize: Double
    public let scaling: FeatureScaling
    /// Whether anything but plain standardization by every row's moments is asked for.
    var reshapes: Bool { transformPolicy != .none || winsorize < 1 || scaling != .standard }
    /// PCA before clustering: a number of components, or the share of variance to keep (0 < f < 1).
    public let pca: (components: Int?, variance: Double?)?

    public init(columnNames: [String], parameters: JobParameters) throws(OmnisegError) {
        typealias P = ClusterParameters
        self.columnNames = columnNames
        let kText = try parameters.value(P.k)
        if kText == "auto" {
            let text = try parameters.value(P.kRange)
            let bounds = text.split(separator: ".", omittingEmptySubsequences: true).compactMap { Int($0) }
            guard bounds.count == 2, P.autoBounds.contains(bounds[0]), bounds[0] < bounds[1], P.autoBounds.contains(bounds[1]) else {
                throw ParameterSpec.invalid(P.kRange.name, text, P.kRange.spec.value.expectation)
            }
            kChoices = Array(bounds[0]...bounds[1])
        } else {
            guard !parameters.has(P.kRange) else { throw OmnisegError(.badInput, "job parameter 'k-range' needs k=auto") }
            guard let k = Int(kText), P.kBounds.contains(k) else { throw ParameterSpec.invalid(P.k.name, kText, P.k.spec.value.expectation) }
            kChoices = [k]
        }
        let k = kChoices.max() ?? 1
        seed = UInt64(try parameters.value(P.seed))
        maxIterations = try parameters.value(P.maxIterations)
        minShare = try parameters.value(P.minShare)
        if parameters.has(P.minShare), kChoices.count < 2 { throw OmnisegError(.badInput, "job parameter 'min-share' needs k=auto") }
        tolerance = try parameters.value(P.tolerance)
        transformPolicy = try parameters.value(P.transform).flatMap(FeatureTransform.Policy.init(rawValue:)) ?? .auto
        winsorize = try parameters.value(P.winsorize)
        scaling = try parameters.value(P.scaling).flatMap(FeatureScaling.init(rawValue:)) ?? .standard
        initializations = try parameters.value(P.initializations)
        if let text = try parameters.value(P.pca) {
            if text.contains(".") {
                guard let share = Double(text), share.isFinite, P.varianceBounds.contains(share) else {
                    throw ParameterSpec.invalid(P.pca.name, text, P.pca.spec.value.expectation)
                }
                pca = (nil, share)
            } else {
                guard let components = Int(text), P.componentBounds.contains(components) else {
                    throw ParameterSpec.invalid(P.pca.name, text, P.pca.spec.value.expectation)
                }
                pca = (components, nil)
            }
        } else {
            pca = nil
        }
        sampleSize = try parameters.value(P.sample) ?? max(2000, min(10_000, 50 * k))
        guard sampleSize >= k else {
            throw OmnisegError(.badInput, "job parameter 'sample' (\(sampleSize)) must be at least k (\(k))")
        }
        let requested = try parameters.value(P.features).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if columnNames.isEmpty {
            columns = []  // validating parameters or rendering: no feature set at hand
        } else if let requested {
            var chosen: [Int] = []
            for name in requested {
                guard let index = columnNames.firstIndex(of: name) else {
                    throw OmnisegError(.badInput, "job parameter 'features' names '\(name)', which the feature set does not have "
                                       + "(it has: \(columnNames.joined(separator: ", ")))")
                }
                chosen.append(index)
            }
            guard !chosen.isEmpty else { throw OmnisegError(.badInput, "job parameter 'features' names no feature") }
            columns = chosen
        } else {
            columns = columnNames.indices.filter { !FeatureColumn.churnTiming.contains(columnNames[$0]) }
        }
        if let components = pca?.components, !columns.isEmpty, components > columns.count {
            throw OmnisegError(.badInput, "job parameter 'pca' asks for \(components) components of \(columns.count) features")
        }
    }

    public var initialState: [UInt8] { [] }

    // MARK: - Tasks

    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        try cancellation.check()
        guard let last = columns.max(), last < shard.columnCount else {
            throw OmnisegError(.badInput, "shard has \(shard.columnCount) columns; the job reads column \(columns.max() ?? 0)",
                               context: [("row_start", "\(shard.rowStart)")])
        }
        var writer = WireWriter(capacity: 1024)
        writer.u32(UInt32(iteration))
        if iteration == 0 {
            survey(shard, into: &writer)
            return writer.bytes
        }
        let model = try ClusterModel(decoding: state, dimension: columns.count, withSample: false)
        var scratch = AssignmentScratch()
        // Transformed features, or with PCA component space: derived from the shard once, then
        // clustered as is. The projected values are already standardized.
        let inFeatures = model.projection.isEmpty
        let (space, spaceColumns) = model.space(of: shard, columns: columns)
        let center = inFeatures ? model.center : [Float](repeating: 0, count: model.components)
        let scale = inFeatures ? model.scale : [Float](repeating: 1, count: model.components)
        for track in model.tracks where !track.converged || model.phase == .labelling {
            let table = CentroidTable(centroids: track.centroids, k: track.k, center: center, scale: scale)
            let assignment = NearestCentroid.assign(space, columns: spaceColumns, table: table, scratch: &scratch)
            for s in assignment.sums { writer.f64(s) }
            for c in assignment.counts { writer.u64(UInt64(c)) }
            writer.f64(assignment.inertia)
        }
        if model.phase == .labelling {
            // Centroids far outside the data (a damaged state) give no finite distance to compare.
            let k = model.tracks[0].k
            for i in 0..<shard.rowCount where scratch.labels[i] < 0 || Int(scratch.labels[i]) >= k {
                throw OmnisegError(.corrupt, "cluster state: row \(shard.rowStart + i) is at no finite distance from any of its \(k) centroids")
            }
            writer.count(shard.rowCount)
            for i in 0..<shard.rowCount { writer.u16(UInt16(scratch.labels[i])) }
            profile(shard, labels: scratch.labels, k: model.tracks[0].k, into: &writer)
        }
        return writer.bytes
    }

    /// For the cluster profiles: per cluster, the sums of every feature of the set (not only the
    /// clustered ones) and how many people buy in store only, online only, both, or not at all.
    private func profile(_ shard: FeatureShard, labels: [Int32], k: Int, into writer: inout WireWriter) {
        let n = shard.rowCount
        for c in 0..<shard.columnCount {
            var sums = [Double](repeating: 0, count: k)
            let values = shard.column(c)
            for i in 0..<n { sums[Int(labels[i])] += Double(values[i]) }
            for v in sums { writer.f64(v) }
        }
        var channels = [UInt64](repeating: 0, count: k * ClusterResult.channelNames.count)
        if let store = columnNames.firstIndex(of: "store_frequency"), let online = columnNames.firstIndex(of: "online_frequency"),
           store < shard.columnCount, online < shard.columnCount {
            let s = shard.column(store), o = shard.column(online)
            for i in 0..<n {
                let channel = s[i] > 0 ? (o[i] > 0 ? 2 : 0) : (o[i] > 0 ? 1 : 3)
                channels[Int(labels[i]) * ClusterResult.channelNames.count + channel] += 1
            }
        }
        for v in channels { writer.u64(v) }
    }

    /// Moments of the chosen columns, and the rows with the smallest seeded hashes.
    private func survey(_ shard: FeatureShard, into writer: inout WireWriter) {
        for c in columns {
            ColumnMoments(UnsafeBufferPointer(rebasing: shard.column(c)[0..<shard.rowCount])).encode(into: &writer)
        }
        if pca != nil, !reshapes { CoMoments(shard, columns: columns).encode(into: &writer) }
        let hashes = (0..<shard.rowCount).map { (hash: Self.rowHash(seed: seed, row: shard.rowStart + $0), row: $0) }
        let kept = hashes.sorted { $0.hash < $1.hash }.prefix(sampleSize)
        writer.count(kept.count)
        for entry in kept {
            writer.u64(entry.hash)
            for c in columns { writer.f32(shard.column(c)[entry.row]) }
        }
    }

    static func rowHash(seed: UInt64, row: Int) -> UInt64 {
        var rng = SplitMix64(seed: seed, stream: 0x5341_4D50, index: UInt64(row))
        return rng.next()
    }

    // MARK: - Merge

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        let d = columns.count
        if iteration == 0 { return try mergeSurvey(partials) }
        var model = try ClusterModel(decoding: state, dimension: d)
        let active = model.tracks.indices.filter { !model.tracks[$0].converged || model.phase == .labelling }
        let q = model.components  // the space the centroids live in: features, or components
        var sums = active.map { [Double](repeating: 0, count: model.tracks[$0].k * q) }
        var counts = active.map { [Int64](repeating: 0, count: model.tracks[$0].k) }
        var inertia = [Double](repeating: 0, count: active.count)
        var labels: [UInt16] = []
        let k = model.tracks[0].k  // in the labelling phase, the only track
        var profileSums = [Double](repeating: 0, count: model.phase == .labelling ? columnNames.count * k : 0)
        var channels = [Int64](repeating: 0, count: model.phase == .labelling ? k * ClusterResult.channelNames.count : 0)
        for (shard, partial) in partials.enumerated() {
            var reader = try header(partial, iteration: iteration, shard: shard)
            for (a, t) in active.enumerated() {
                for i in 0..<(model.tracks[t].k * q) { sums[a][i] += try reader.f64() }
                for j in 0..<model.tracks[t].k { counts[a][j] += Int64(try reader.tally()) }
                inertia[a] += try reader.f64()
            }
            if model.phase == .labelling {
                for _ in 0..<(try reader.count(limit: 1 << 24)) { labels.append(try reader.u16()) }
                for i in 0..<(columnNames.count * k) { profileSums[i] += try reader.f64() }
                for i in 0..<channels.count { channels[i] += Int64(try reader.tally()) }
            }
            try reader.expectEnd()
        }
        if model.phase == .labelling, let track = model.tracks.first, let final = counts.first {
            // profileSums is column-major (column c, cluster j at c × k + j); the means are k × columns.
            let all = columnNames.count
            let means = (0..<(k * all)).map { i -> Double in
                let (j, c) = i.quotientAndRemainder(dividingBy: all)
                return final[j] > 0 ? profileSums[c * k + j] / Double(final[j]) : 0
            }
            let result = ClusterResult(featureNames: columns.map { columnNames[$0] }, transforms: model.transforms, scaling: scaling,
                                       center: model.center, scale: model.scale,
                                       centroids: model.featureSpace(track.centroids, k: track.k), counts: final, inertia: inertia[0],
                                       iterations: model.lloydIterations, converged: track.converged, labels: labels,
                                       profileNames: columnNames, profileMeans: means, channels: channels, kCurve: model.kCurve,
                                       explainedVariance: model.explained)
            return .finish(result: result.encoded)
        }
        for (a, t) in active.enumerated() {
            let previous = model.tracks[t].centroids
            var next = previous
            for j in 0..<model.tracks[t].k where counts[a][j] > 0 {
                for c in 0..<q {
                    let mean = sums[a][j * q + c] / Double(counts[a][j])
                    // Feature space: raw sums, standardized here. Component space: already standardized.
                    next[j * q + c] = model.projection.isEmpty ? (mean - Double(model.center[c])) / Double(model.scale[c]) : mean
                }
            }
            relocateEmpty(&next, counts: counts[a], k: model.tracks[t].k, sample: model.sample, dimension: q)
            var shift = 0.0
            for i in 0..<next.count { shift += (next[i] - previous[i]) * (next[i] - previous[i]) }
            model.tracks[t].centroids = next
            model.tracks[t].lastInertia = inertia[a]
            model.tracks[t].converged = shift <= tolerance
        }
        model.lloydIterations += 1
        if model.tracks.allSatisfy(\.converged) || model.lloydIterations >= maxIterations {
            // Per k, the seeding with the lowest inertia (the first of equals); with several k, the one
            // whose clusters have the best silhouette on the sample. Then label with it.
            var bestPerK: [Int] = []
            for choice in kChoices {
                let candidates = model.tracks.indices.filter { model.tracks[$0].k == choice }
                guard var best = candidates.first else { continue }
                for t in candidates where model.tracks[t].lastInertia < model.tracks[best].lastInertia { best = t }
                bestPerK.append(best)
            }
            var chosen = bestPerK.first ?? 0
            if bestPerK.count > 1 {
                // At most 2,000 sample points (the sample is in hash order, so any prefix is uniform).
                let distances = SampleDistances(points: Array(model.sample.prefix(2000 * q)), dimension: q)
                var curve: [KCurvePoint] = []
                for t in bestPerK {
                    let k = model.tracks[t].k
                    // Every seeding of this k labels the sample once: the best one's labels score the k, and
                    // how alike all of them are is its stability.
                    let seedings = model.tracks.indices.filter { model.tracks[$0].k == k }
                    let labelled = seedings.map { distances.nearest(centroids: model.tracks[$0].centroids, k: k) }
                    let labels = labelled[seedings.firstIndex(of: t) ?? 0]
                    curve.append(KCurvePoint(k: k, inertia: model.tracks[t].lastInertia, silhouette: distances.silhouette(labels: labels, k: k),
                                             smallestShare: distances.smallestShare(labels: labels, k: k),
                                             stability: AdjustedRandIndex.meanPairwise(labelled)))
                }
                chosen = bestPerK[KCurvePoint.chosen(curve, minShare: minShare)]
                model.kCurve = curve
            }
            model.tracks = [model.tracks[chosen]]
            model.phase = .labelling
        }
        return .iterate(state: model.encoded)
    }

    private func mergeSurvey(_ partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        let d = columns.count
        var moments = Array(repeating: ColumnMoments(), count: d)
        var coMoments = CoMoments(dimension: d)
        var sample: [(hash: UInt64, values: [Float])] = []
        for (shard, partial) in partials.enumerated() {
            var reader = try header(partial, iteration: 0, shard: shard)
            for c in 0..<d { moments[c].merge(try ColumnMoments.decode(from: &reader)) }
            if pca != nil, !reshapes { coMoments.merge(try CoMoments.decode(from: &reader, dimension: d)) }
            for _ in 0..<(try reader.count(limit: 1_000_000)) {
                let hash = try reader.u64()
                var values: [Float] = []
                for _ in 0..<d { values.append(try reader.f32()) }
                sample.append((hash, values))
            }
            try reader.expectEnd()
        }
        let rows = moments.first?.count ?? 0
        guard rows >= UInt64(k) else {
            throw OmnisegError(.badInput, "k = \(k) clusters need at least \(k) rows; the feature set has \(rows)")
        }
        sample.sort { $0.hash < $1.hash }
        let kept = sample.prefix(sampleSize)
        var transforms: [FeatureTransform] = []
        var center = moments.map { Float($0.mean) }
        var scale = moments.map { m -> Float in
            let s = Float(m.variance.squareRoot())
            return s > 0 ? s : 1
        }
        if reshapes {
            // Transforms, center and scale from the sample: k-means does not depend on the centering,
            // and a uniform sample of thousands gives each feature's spread to a few percent.
            transforms = (0..<d).map { c in
                FeatureTransform.choose(sample: kept.map { $0.values[c] }, minimum: moments[c].min, policy: transformPolicy, winsorize: winsorize)
            }
            for c in 0..<d {
                let standardization = scaling.centerAndScale(kept.map { Double(transforms[c].apply($0.values[c])) })
                center[c] = Float(standardization.center)
                scale[c] = Float(standardization.scale)
            }
        }
        var points: [Double] = []
        points.reserveCapacity(kept.count * d)
        for entry in kept {
            for c in 0..<d {
                let value = transforms.isEmpty ? entry.values[c] : transforms[c].apply(entry.values[c])
                points.append((Double(value) - Double(center[c])) / Double(scale[c]))
            }
        }
        var model = ClusterModel(phase: .lloyd, center: center, scale: scale, tracks: [], lloydIterations: 0, sample: [], kCurve: [])
        model.transforms = transforms.allSatisfy(\.isIdentity) ? [] : transforms
        if let pca {
            // The correlation matrix (covariance of the standardized features; of the sample's when
            // the features are transformed), its leading components.
            var correlation = [Double](repeating: 0, count: d * d)
            if reshapes {
                let n = points.count / max(1, d)
                var means = [Double](repeating: 0, count: d)
                for i in 0..<n { for c in 0..<d { means[c] += points[i * d + c] / Double(max(1, n)) } }
                for i in 0..<n {
                    for a in 0..<d {
                        for b in 0..<d { correlation[a * d + b] += (points[i * d + a] - means[a]) * (points[i * d + b] - means[b]) / Double(max(1, n)) }
                    }
                }
            } else {
                for a in 0..<d {
                    for b in 0..<d {
                        correlation[a * d + b] = coMoments.products[a * d + b] / coMoments.count / (Double(scale[a]) * Double(scale[b]))
                    }
                }
            }
            let (values, vectors) = SymmetricEigen.decompose(correlation, dimension: d)
            let total = values.reduce(0) { $0 + max(0, $1) }
            var components = pca.components ?? d
            if let share = pca.variance {
                var running = 0.0
                components = d
                for (i, v) in values.enumerated() {
                    running += max(0, v)
                    if running >= share * total { components = i + 1; break }
                }
            }
            model.projection = (0..<(d * components)).map { i in vectors[i % components][i / components] }
            model.explained = values.prefix(components).map { total > 0 ? max(0, $0) / total : 0 }
            points = model.projectSample(points)
        }
        let q = model.components
        for choice in kChoices {
            for i in 0..<initializations {
                let seeding = seed &+ UInt64(i) &* 0x9E37_79B9 &+ UInt64(choice) &* 0x85EB_CA6B
                model.tracks.append(ClusterModel.Track(k: choice, centroids: KMeansSeeding.plusPlus(points: points, dimension: q, k: choice, seed: seeding),
                                                       converged: false, lastInertia: .infinity))
            }
        }
        // The state carries the sample to every iteration: for a fixed k it only serves to restart
        // empty clusters, and 256 points do (a smaller state is cheaper to ship each iteration);
        // k=auto keeps up to 2,000 for the silhouette.
        model.sample = Array(points.prefix((kChoices.count > 1 ? 2000 : 256) * q))
        return .iterate(state: model.encoded)
    }

    /// Each empty cluster restarts at the sample point farthest from its nearest centroid (a
    /// different point for each, in order), so no centroid is lost.
    private func relocateEmpty(_ centroids: inout [Double], counts: [Int64], k: Int, sample: [Double], dimension d: Int) {
        let empty = (0..<k).filter { counts[$0] == 0 }
        guard !empty.isEmpty, !sample.isEmpty else { return }
        let points = sample.count / d
        var distances = (0..<points).map { i -> (distance: Double, index: Int) in
            var best = Double.infinity
            for j in 0..<k where counts[j] > 0 {
                best = min(best, RowMajorPoints.squaredDistance(sample, i, centroids, j, dimension: d))
            }
            return (best, i)
        }
        distances.sort { $0.distance > $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
        for (slot, j) in empty.enumerated() where slot < distances.count {
            let i = distances[slot].index
            for c in 0..<d { centroids[j * d + c] = sample[i * d + c] }
        }
    }

    private func header(_ partial: [UInt8], iteration: Int, shard: Int) throws(OmnisegError) -> WireReader {
        var reader = WireReader(partial, what: "cluster partial of shard \(shard)")
        let got = try reader.u32()
        guard got == iteration else { throw reader.failure("it is for iteration \(got), not \(iteration)") }
        return reader
    }

    /// Iterations: the survey, at most `max-iter` Lloyd iterations, the labelling (it may stop sooner).
    public func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress {
        JobProgress(done: iteration + (tasksDone >= tasksTotal ? 1 : 0), total: maxIterations + 2, unit: "iterations")
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let r = try ClusterResult(decoding: result)
        return json ? r.json : r.table
    }

    public func csv(result: [UInt8], people: PersonRows) throws(OmnisegError) -> String {
        try ClusterResult(decoding: result).csv(people: people)
    }
}

