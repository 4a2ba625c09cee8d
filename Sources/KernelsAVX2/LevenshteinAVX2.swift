import _Builtin_intrinsics.intel
import KernelsCommon

/// Levenshtein distance as ``levenshteinAVX512`` computes it, for `b` up to 32 bytes, AVX2: each byte
/// of `a`'s match positions in `b` from one 32-byte compare and movemask. Called only when the CPU has AVX2.
public func levenshteinAVX2(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, limit: Int) -> Int {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &words) { $0.baseAddress?.copyMemory(from: b, byteCount: m) }
    let bytes = _mm256_set_epi64x(Int64(bitPattern: words.3), Int64(bitPattern: words.2), Int64(bitPattern: words.1), Int64(bitPattern: words.0))
    let inB: UInt64 = (1 << UInt64(m)) - 1
    let top: UInt64 = 1 << UInt64(m - 1)
    var vp = inB, vn: UInt64 = 0, score = m
    for i in 0..<n {
        let eq = UInt64(UInt32(bitPattern: _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_set1_epi8(Int8(bitPattern: a[i])), bytes)))) & inB
        score += myersStep(eq: eq, vp: &vp, vn: &vn, top: top, mask: inB)
        if score - (n - 1 - i) > limit { return limit + 1 }
    }
    return min(score, limit + 1)
}
