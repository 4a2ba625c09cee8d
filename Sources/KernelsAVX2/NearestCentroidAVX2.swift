import _Builtin_intrinsics.intel

/// Nearest-centroid assignment, AVX2 + FMA (compiled with `-target-cpu haswell`; called only when the
/// CPU has both). Eight points at a time, centroids in tiles of eight (the inputs laid out as for the
/// AVX-512 kernel). `labels` and `distances` (`rowCount` each) get each point's nearest centroid and
/// its squared standardized distance (clamped at 0), computed with the same operations in the same
/// order as the AVX-512 step, so both give the same bits.
public func nearestCentroidAVX2(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, rowCount: Int,
                                tileWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>, tiles: Int,
                                center: UnsafePointer<Float>, inverseScale: UnsafePointer<Float>,
                                labels: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>) {
    var row = 0
    while row < rowCount {
        var best = _mm256_set1_ps(Float.infinity)
        var bestIndex = _mm256_setzero_ps()  // Int32 lanes, kept as float bits for blendv
        for t in 0..<tiles {
            let b = bias + 8 * t
            var a0 = _mm256_set1_ps(b[0]), a1 = _mm256_set1_ps(b[1]), a2 = _mm256_set1_ps(b[2]), a3 = _mm256_set1_ps(b[3])
            var a4 = _mm256_set1_ps(b[4]), a5 = _mm256_set1_ps(b[5]), a6 = _mm256_set1_ps(b[6]), a7 = _mm256_set1_ps(b[7])
            var w = tileWeights + 8 * dimension * t
            for c in 0..<dimension {
                let x = _mm256_loadu_ps(columns[c] + row)
                a0 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[0]), a0)
                a1 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[1]), a1)
                a2 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[2]), a2)
                a3 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[3]), a3)
                a4 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[4]), a4)
                a5 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[5]), a5)
                a6 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[6]), a6)
                a7 = _mm256_fmadd_ps(x, _mm256_set1_ps(w[7]), a7)
                w += 8
            }
            let base = Int32(8 * t)
            // blendv picks by the sign of the difference: lanes where the score is below the best
            // (ties keep the lower index, as the other variants do).
            func take(_ score: __m256, _ index: Int32) {
                let lower = _mm256_sub_ps(score, best)
                best = _mm256_blendv_ps(best, score, lower)
                bestIndex = _mm256_blendv_ps(bestIndex, _mm256_castsi256_ps(_mm256_set1_epi32(index)), lower)
            }
            take(a0, base); take(a1, base + 1); take(a2, base + 2); take(a3, base + 3)
            take(a4, base + 4); take(a5, base + 5); take(a6, base + 6); take(a7, base + 7)
        }
        var norm = _mm256_setzero_ps()
        for c in 0..<dimension {
            let z = _mm256_fmsub_ps(_mm256_loadu_ps(columns[c] + row), _mm256_set1_ps(inverseScale[c]), _mm256_set1_ps(center[c] * inverseScale[c]))
            norm = _mm256_fmadd_ps(z, z, norm)
        }
        let distance = _mm256_max_ps(_mm256_add_ps(norm, best), _mm256_setzero_ps())
        let remaining = rowCount - row
        if remaining >= 8 {
            _mm256_storeu_si256(UnsafeMutableRawPointer(labels + row).assumingMemoryBound(to: __m256i.self), _mm256_castps_si256(bestIndex))
            _mm256_storeu_ps(distances + row, distance)
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { buffer in
                guard let base = buffer.baseAddress else { return }
                _mm256_storeu_ps(base, distance)
                _mm256_storeu_ps(base + 8, bestIndex)
                for i in 0..<remaining {
                    distances[row + i] = base[i]
                    labels[row + i] = Int32(bitPattern: base[8 + i].bitPattern)
                }
            }
        }
        row += 8
    }
}

/// Squared Euclidean distances from point `from` to every point, 8 at a time (the contract of the
/// AVX-512 version; columns readable for `count` rounded up to 8).
public func squaredDistancesAVX2(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, count: Int, from: Int,
                                 out: UnsafeMutablePointer<Float>) {
    var j = 0
    while j + 8 <= count {
        var total = _mm256_setzero_ps()
        for c in 0..<dimension {
            let difference = _mm256_sub_ps(_mm256_loadu_ps(columns[c] + j), _mm256_set1_ps(columns[c][from]))
            total = _mm256_fmadd_ps(difference, difference, total)
        }
        _mm256_storeu_ps(out + j, total)
        j += 8
    }
    while j < count {
        var total: Float = 0
        for c in 0..<dimension {
            let difference = columns[c][j] - columns[c][from]
            total += difference * difference
        }
        out[j] = total
        j += 1
    }
}
