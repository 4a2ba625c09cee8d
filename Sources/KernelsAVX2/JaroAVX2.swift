import _Builtin_intrinsics.intel
import KernelsCommon

/// The matching step of Jaro similarity, AVX2 (compiled with `-target-cpu haswell`; called only when
/// the CPU has it): for each byte of `a` (`n` ≤ 64) in order, the first byte of `b` (`m` ≤ 32) within
/// `window` of its position that is equal and not matched yet becomes its match. One compare of 32
/// bytes finds every equal byte of `b` at once, where the scalar loop visits the window byte by byte
/// and branches on each. Sets the matched positions of `a` and `b` as bits and returns the matches;
/// the same greedy choice as the portable loop, so the same result.
public func jaroMatchAVX2(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, window: Int,
                          matchedA: inout UInt64, matchedB: inout UInt64) -> Int {
    // b into one register: copied through four words, so nothing past its end is read.
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &words) { $0.baseAddress?.copyMemory(from: b, byteCount: m) }
    let bytes = _mm256_set_epi64x(Int64(bitPattern: words.3), Int64(bitPattern: words.2), Int64(bitPattern: words.1), Int64(bitPattern: words.0))
    let inB: UInt64 = m == 64 ? ~0 : (1 << UInt64(m)) - 1
    var freeB = inB, ma: UInt64 = 0, matches = 0
    for i in 0..<n {
        let lo = max(0, i - window), hi = min(m - 1, i + window)
        guard lo <= hi else { continue }
        let equal = UInt64(UInt32(bitPattern: _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_set1_epi8(Int8(bitPattern: a[i])), bytes))))
        if jaroTake(equal & windowMask(lo, hi) & freeB, free: &freeB) {
            ma |= 1 << UInt64(i)
            matches += 1
        }
    }
    matchedA = ma
    matchedB = inB & ~freeB
    return matches
}
