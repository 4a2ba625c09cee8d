import _Builtin_intrinsics.intel
import KernelsCommon

/// Levenshtein distance of `a` (`n` bytes) and `b` (`m` ≤ 64 bytes), bit-parallel (Myers, in Hyyrö's
/// form for a global distance), AVX-512 BW: each byte of `a`'s match positions in `b` come from one
/// compare of 64 bytes into a mask register, where a table would be built per string. Stops once the
/// distance cannot come back to `limit` (the band) and then returns `limit + 1`; the same result as the
/// portable loop. Called only when the CPU has AVX-512 BW.
public func levenshteinAVX512(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, limit: Int) -> Int {
    let inB: UInt64 = m == 64 ? ~0 : (1 << UInt64(m)) - 1
    let bytes = _mm512_maskz_loadu_epi8(inB, b)
    let top: UInt64 = 1 << UInt64(m - 1)
    var vp = inB, vn: UInt64 = 0, score = m
    for i in 0..<n {
        let difference = _mm512_xor_si512(_mm512_set1_epi8(Int8(bitPattern: a[i])), bytes)
        score += myersStep(eq: _mm512_testn_epi8_mask(difference, difference) & inB, vp: &vp, vn: &vn, top: top, mask: inB)
        if score - (n - 1 - i) > limit { return limit + 1 }
    }
    return min(score, limit + 1)
}
