import _Builtin_intrinsics.intel

/// Nearest-centroid assignment, AVX-512 (compiled with `-target-cpu skylake-avx512`; called only when
/// the CPU has AVX-512F/BW/VL, see `Shared/Kernels/KernelVariant`).
///
/// Sixteen points at a time, one per lane; centroids in tiles of eight, each with its own accumulator,
/// so a column value is loaded once per tile and every FMA takes its centroid weight as a broadcast.
/// The minimum over centroids is vertical (lane by lane), so no horizontal reduction per point.
///
/// - `columns`: `dimension` pointers to float32 columns, each readable for `rowCount` rounded up to 16.
/// - `tileWeights`: `tiles × dimension × 8` floats, the weight of centroid `8t + j` for column `c`
///   at `(t × dimension + c) × 8 + j` (already multiplied by −2); `bias`: `tiles × 8` (padding: +inf).
///   A point's score for a centroid is `bias + Σ x·weight`; the nearest centroid has the lowest.
/// - `labels`, `scores`: `rowCount` outputs (the nearest centroid and its score).
public func nearestCentroidAVX512(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, rowCount: Int,
                                  tileWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>, tiles: Int,
                                  labels: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>) {
    let signBit = _mm512_set1_epi32(Int32(bitPattern: 0x8000_0000))
    var row = 0
    while row < rowCount {
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
            let base = Int32(8 * t)
            // Lanes where a score is below the best so far (the sign of the difference) take it.
            func take(_ score: __m512, _ index: Int32) {
                let lower = _mm512_test_epi32_mask(_mm512_castps_si512(_mm512_sub_ps(score, best)), signBit)
                best = _mm512_mask_blend_ps(lower, best, score)
                bestIndex = _mm512_mask_blend_epi32(lower, bestIndex, _mm512_set1_epi32(index))
            }
            take(a0, base); take(a1, base + 1); take(a2, base + 2); take(a3, base + 3)
            take(a4, base + 4); take(a5, base + 5); take(a6, base + 6); take(a7, base + 7)
        }
        let remaining = rowCount - row
        let lanes: UInt16 = remaining >= 16 ? 0xFFFF : UInt16((1 << remaining) - 1)
        _mm512_mask_storeu_epi32(labels + row, lanes, bestIndex)
        _mm512_mask_storeu_ps(scores + row, lanes, best)
        row += 16
    }
}
