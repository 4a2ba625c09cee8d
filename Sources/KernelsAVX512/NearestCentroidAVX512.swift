import _Builtin_intrinsics.intel

// Nearest-centroid kernels, AVX-512 (compiled with `-target-cpu skylake-avx512`; called only when the
// CPU has AVX-512F/BW/VL/DQ, see `Shared/Kernels/NearestCentroid.swift`).
//
// Sixteen points at a time, one per lane; centroids in tiles of eight, each with its own accumulator,
// so a column value is loaded once per tile and every FMA takes its centroid weight as a broadcast.
// The minimum over centroids is vertical (lane by lane), so there is no horizontal reduction per point.
//
// Common inputs:
// - `columns`: `dimension` pointers to float32 columns, each readable for `rowCount` rounded up to 16.
// - `tileWeights`: `tiles × dimension × 8` floats, the weight of centroid `8t + j` for column `c` at
//   `(t × dimension + c) × 8 + j` (already multiplied by −2); `bias`: `tiles × 8` (padding: +inf).
//   A point's score for a centroid is `bias + Σ x·weight`; the nearest centroid has the lowest.

/// The nearest centroid of the 16 points from `row`, and their scores.
@inline(__always)
private func nearest(_ columns: UnsafePointer<UnsafePointer<Float>>, _ dimension: Int, _ row: Int,
                     _ tileWeights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ tiles: Int) -> (score: __m512, index: __m512i) {
    let signBit = _mm512_set1_epi32(Int32(bitPattern: 0x8000_0000))
    var best = _mm512_set1_ps(Float.infinity)
    var bestIndex = _mm512_setzero_si512()
    for t in 0..<tiles {
        let b = bias + 8 * t
        var a0 = _mm512_set1_ps(b[0]), a1 = _mm512_set1_ps(b[1]), a2 = _mm512_set1_ps(b[2]), a3 = _mm512_set1_ps(b[3])
        var a4 = _mm512_set1_ps(b[4]), a5 = _mm512_set1_ps(b[5]), a6 = _mm512_set1_ps(b[6]), a7 = _mm512_set1_ps(b[7])
        var w = tileWeights + 8 * dimension * t
        for c in 0..<dimension {
            let x = _mm512_loadu_ps(columns[c] + row)
            a0 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[0]), a0)
            a1 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[1]), a1)
            a2 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[2]), a2)
            a3 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[3]), a3)
            a4 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[4]), a4)
            a5 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[5]), a5)
            a6 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[6]), a6)
            a7 = _mm512_fmadd_ps(x, _mm512_set1_ps(w[7]), a7)
            w += 8
        }
        // The lowest of the eight by a tree (depth 3, not a chain of 8), then against the best so far;
        // ties keep the lower centroid index, as the portable kernel does.
        let base = Int32(8 * t)
        func index(_ j: Int32) -> __m512i { _mm512_set1_epi32(base + j) }
        let p01 = lower(a0, index(0), a1, index(1), signBit), p23 = lower(a2, index(2), a3, index(3), signBit)
        let p45 = lower(a4, index(4), a5, index(5), signBit), p67 = lower(a6, index(6), a7, index(7), signBit)
        let p03 = lower(p01.0, p01.1, p23.0, p23.1, signBit), p47 = lower(p45.0, p45.1, p67.0, p67.1, signBit)
        let tile = lower(p03.0, p03.1, p47.0, p47.1, signBit)
        (best, bestIndex) = lower(best, bestIndex, tile.0, tile.1, signBit)
    }
    return (best, bestIndex)
}

/// Lane by lane, the lower of two (score, index) pairs; `a` where they tie. The compare intrinsics are
/// macros Swift cannot import, so "b is lower" is the sign bit of b − a.
@inline(__always)
private func lower(_ a: __m512, _ ai: __m512i, _ b: __m512, _ bi: __m512i, _ signBit: __m512i) -> (__m512, __m512i) {
    let takeB = _mm512_test_epi32_mask(_mm512_castps_si512(_mm512_sub_ps(b, a)), signBit)
    return (_mm512_mask_blend_ps(takeB, a, b), _mm512_mask_blend_epi32(takeB, ai, bi))
}

@inline(__always)
private func validLanes(_ remaining: Int) -> UInt16 { remaining >= 16 ? 0xFFFF : UInt16((1 << remaining) - 1) }

/// Nearest-centroid assignment alone: `labels` and `scores` (`rowCount` each) get each point's
/// nearest centroid and its score (the jobs use ``lloydStepAVX512``; this one is for measuring).
public func nearestCentroidAVX512(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, rowCount: Int,
                                  tileWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>, tiles: Int,
                                  labels: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>) {
    var row = 0
    while row < rowCount {
        let (best, bestIndex) = nearest(columns, dimension, row, tileWeights, bias, tiles)
        let lanes = validLanes(rowCount - row)
        _mm512_mask_storeu_epi32(labels + row, lanes, bestIndex)
        _mm512_mask_storeu_ps(scores + row, lanes, best)
        row += 16
    }
}

/// Lane permutations of the 16 × 16 transpose: at level `h`, vectors `i` and `i + h` (bit `h` of `i`
/// clear) exchange their lane blocks of size `h`. After levels 8, 4, 2 and 1, vector `p` holds lane
/// `p` of every input vector.
private struct TransposeIndexes {
    let low: (__m512i, __m512i, __m512i, __m512i)
    let high: (__m512i, __m512i, __m512i, __m512i)

    init() {
        func indexes(_ h: Int32, high: Bool) -> __m512i {
            func lane(_ j: Int32) -> Int32 { j & h == 0 ? (high ? j + h : j) : (high ? 16 + j : 16 + j - h) }
            return _mm512_set_epi32(lane(15), lane(14), lane(13), lane(12), lane(11), lane(10), lane(9), lane(8),
                                    lane(7), lane(6), lane(5), lane(4), lane(3), lane(2), lane(1), lane(0))
        }
        low = (indexes(8, high: false), indexes(4, high: false), indexes(2, high: false), indexes(1, high: false))
        high = (indexes(8, high: true), indexes(4, high: true), indexes(2, high: true), indexes(1, high: true))
    }
}

@inline(__always)
private func exchange(_ a: inout __m512, _ b: inout __m512, _ low: __m512i, _ high: __m512i) {
    let first = _mm512_permutex2var_ps(a, low, b)
    b = _mm512_permutex2var_ps(a, high, b)
    a = first
}

/// One Lloyd step over a shard, fused: nearest centroid (as ``nearestCentroidAVX512``), then each
/// point's features added to its centroid's sums, its count, and its squared distance.
///
/// Sums are gathered per block of 16 points by transposing the 16 × 16 tile of values (columns ×
/// points) in registers, so a point adds one vector per 16 columns to its centroid's row instead of
/// one scalar per value. Rows accumulate in float for 1,024 points at most, then flush into `sums`
/// (double), so precision does not depend on the shard size.
///
/// Every variant computes the same bits (the portable and AVX2 paths in `Shared/Kernels` follow the
/// same order): scores by FMA over the features in order; the norm by `fmsub` then FMA; each sum
/// cell adds its points in row order in float and flushes after each 1,024 rows. So a cluster whose
/// workers run different variants still gives identical results.
///
/// - `center`, `inverseScale`: `dimension` floats (the standardisation, for the squared norms).
/// - `labels`, `distances`: `rowCount` outputs: each point's centroid and squared standardized
///   distance to it (clamped at 0).
/// - `floatSums`: scratch of `k × groups × 16` floats, `groups = ⌈dimension / 16⌉`.
/// - `sums`: `k × groups × 16` doubles (centroid `j`, column `c` at `j × groups × 16 + c`) and
///   `counts`: `k`; both are added to.
public func lloydStepAVX512(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, rowCount: Int,
                            tileWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>, tiles: Int, k: Int,
                            center: UnsafePointer<Float>, inverseScale: UnsafePointer<Float>,
                            labels: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>, floatSums: UnsafeMutablePointer<Float>,
                            sums: UnsafeMutablePointer<Double>, counts: UnsafeMutablePointer<Int64>) {
    let groups = (dimension + 15) / 16
    let width = groups * 16
    let zero = _mm512_setzero_ps()
    let transpose = TransposeIndexes()
    floatSums.initialize(repeating: 0, count: k * width)
    func flush() {
        for i in 0..<(k * width) { sums[i] += Double(floatSums[i]) }
        floatSums.update(repeating: 0, count: k * width)
    }
    var row = 0
    while row < rowCount {
        let (best, bestIndex) = nearest(columns, dimension, row, tileWeights, bias, tiles)
        let lanes = validLanes(rowCount - row)
        let valid = min(16, rowCount - row)
        _mm512_mask_storeu_epi32(labels + row, lanes, bestIndex)
        // Squared standardized norms, for the distances: ‖x'‖² + score, with z = x·s⁻¹ − m·s⁻¹.
        var norm = zero
        for c in 0..<dimension {
            let z = _mm512_fmsub_ps(_mm512_loadu_ps(columns[c] + row), _mm512_set1_ps(inverseScale[c]), _mm512_set1_ps(center[c] * inverseScale[c]))
            norm = _mm512_fmadd_ps(z, z, norm)
        }
        _mm512_mask_storeu_ps(distances + row, lanes, _mm512_max_ps(_mm512_add_ps(norm, best), zero))
        for j in 0..<valid { counts[Int(labels[row + j])] += 1 }
        for g in 0..<groups {
            func load(_ i: Int) -> __m512 { 16 * g + i < dimension ? _mm512_loadu_ps(columns[16 * g + i] + row) : zero }
            var v0 = load(0), v1 = load(1), v2 = load(2), v3 = load(3), v4 = load(4), v5 = load(5), v6 = load(6), v7 = load(7)
            var v8 = load(8), v9 = load(9), v10 = load(10), v11 = load(11), v12 = load(12), v13 = load(13), v14 = load(14), v15 = load(15)
            exchange(&v0, &v8, transpose.low.0, transpose.high.0); exchange(&v1, &v9, transpose.low.0, transpose.high.0)
            exchange(&v2, &v10, transpose.low.0, transpose.high.0); exchange(&v3, &v11, transpose.low.0, transpose.high.0)
            exchange(&v4, &v12, transpose.low.0, transpose.high.0); exchange(&v5, &v13, transpose.low.0, transpose.high.0)
            exchange(&v6, &v14, transpose.low.0, transpose.high.0); exchange(&v7, &v15, transpose.low.0, transpose.high.0)
            exchange(&v0, &v4, transpose.low.1, transpose.high.1); exchange(&v1, &v5, transpose.low.1, transpose.high.1)
            exchange(&v2, &v6, transpose.low.1, transpose.high.1); exchange(&v3, &v7, transpose.low.1, transpose.high.1)
            exchange(&v8, &v12, transpose.low.1, transpose.high.1); exchange(&v9, &v13, transpose.low.1, transpose.high.1)
            exchange(&v10, &v14, transpose.low.1, transpose.high.1); exchange(&v11, &v15, transpose.low.1, transpose.high.1)
            exchange(&v0, &v2, transpose.low.2, transpose.high.2); exchange(&v1, &v3, transpose.low.2, transpose.high.2)
            exchange(&v4, &v6, transpose.low.2, transpose.high.2); exchange(&v5, &v7, transpose.low.2, transpose.high.2)
            exchange(&v8, &v10, transpose.low.2, transpose.high.2); exchange(&v9, &v11, transpose.low.2, transpose.high.2)
            exchange(&v12, &v14, transpose.low.2, transpose.high.2); exchange(&v13, &v15, transpose.low.2, transpose.high.2)
            exchange(&v0, &v1, transpose.low.3, transpose.high.3); exchange(&v2, &v3, transpose.low.3, transpose.high.3)
            exchange(&v4, &v5, transpose.low.3, transpose.high.3); exchange(&v6, &v7, transpose.low.3, transpose.high.3)
            exchange(&v8, &v9, transpose.low.3, transpose.high.3); exchange(&v10, &v11, transpose.low.3, transpose.high.3)
            exchange(&v12, &v13, transpose.low.3, transpose.high.3); exchange(&v14, &v15, transpose.low.3, transpose.high.3)
            // v_p now holds point p's 16 values of this column group.
            let rows = floatSums + 16 * g
            func add(_ point: Int, _ values: __m512) {
                guard point < valid else { return }
                let target = rows + Int(labels[row + point]) * width
                _mm512_storeu_ps(target, _mm512_add_ps(_mm512_loadu_ps(target), values))
            }
            add(0, v0); add(1, v1); add(2, v2); add(3, v3); add(4, v4); add(5, v5); add(6, v6); add(7, v7)
            add(8, v8); add(9, v9); add(10, v10); add(11, v11); add(12, v12); add(13, v13); add(14, v14); add(15, v15)
        }
        row += 16
        if row & 1023 == 0 { flush() }
    }
    flush()
}

/// Squared Euclidean distances from point `from` to every point, 16 at a time: `out[j] = Σ_c
/// (x_c[j] − x_c[from])²`. `columns`: `dimension` column pointers, readable for `count` rounded up to
/// 16; `out`: `count` floats.
public func squaredDistancesAVX512(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, count: Int, from: Int,
                                   out: UnsafeMutablePointer<Float>) {
    var j = 0
    while j < count {
        var total = _mm512_setzero_ps()
        for c in 0..<dimension {
            let difference = _mm512_sub_ps(_mm512_loadu_ps(columns[c] + j), _mm512_set1_ps(columns[c][from]))
            total = _mm512_fmadd_ps(difference, difference, total)
        }
        _mm512_mask_storeu_ps(out + j, validLanes(count - j), total)
        j += 16
    }
}
