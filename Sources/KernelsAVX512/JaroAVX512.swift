import _Builtin_intrinsics.intel
import KernelsCommon

/// The matching step of Jaro similarity, AVX-512 BW (compiled with `-target-cpu skylake-avx512`;
/// called only when the CPU has it): as ``jaroMatchAVX2`` for `b` up to 64 bytes, read with a masked
/// load (no byte past its end is touched) and compared 64 bytes at a time straight into a mask register.
public func jaroMatchAVX512(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, window: Int,
                            matchedA: inout UInt64, matchedB: inout UInt64) -> Int {
    let inB: UInt64 = m == 64 ? ~0 : (1 << UInt64(m)) - 1
    let bytes = _mm512_maskz_loadu_epi8(inB, b)
    var freeB = inB, ma: UInt64 = 0, matches = 0
    for i in 0..<n {
        let lo = max(0, i - window), hi = min(m - 1, i + window)
        guard lo <= hi else { continue }
        // Equal bytes are where the XOR is zero (the compare intrinsic is a macro Swift cannot import).
        let difference = _mm512_xor_si512(_mm512_set1_epi8(Int8(bitPattern: a[i])), bytes)
        let equal = _mm512_testn_epi8_mask(difference, difference)
        if jaroTake(equal & windowMask(lo, hi) & freeB, free: &freeB) {
            ma |= 1 << UInt64(i)
            matches += 1
        }
    }
    matchedA = ma
    matchedB = inB & ~freeB
    return matches
}
