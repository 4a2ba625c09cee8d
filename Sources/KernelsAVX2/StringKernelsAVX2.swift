import _Builtin_intrinsics.intel
import KernelsCommon

// String kernels, AVX2 (compiled with `-target-cpu haswell`; called only when the CPU has it), for a
// second string of up to 32 bytes: it sits in one register, and the positions equal to a byte of the
// first string are one compare and a movemask, where the portable loops visit its bytes one by one.
// The loops are KernelsCommon's, so every variant makes the same choices and returns the same result.

/// The Jaro matching step (``jaroMatches(n:m:window:matchedA:matchedB:equal:)``), `m` ≤ 32.
public func jaroMatchAVX2(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, window: Int,
                          matchedA: inout UInt64, matchedB: inout UInt64) -> Int {
    let bytes = load(b, m)
    return jaroMatches(n: n, m: m, window: window, matchedA: &matchedA, matchedB: &matchedB) { i in equalPositions(a[i], bytes) }
}

/// The banded Levenshtein distance (``bandedLevenshtein(n:m:limit:equal:)``), 1 ≤ `m` ≤ 32.
public func levenshteinAVX2(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, limit: Int) -> Int {
    let bytes = load(b, m)
    return bandedLevenshtein(n: n, m: m, limit: limit) { i in equalPositions(a[i], bytes) }
}

/// `m` ≤ 32 bytes into one register, copied through four words so nothing past them is read.
@inline(__always)
private func load(_ b: UnsafePointer<UInt8>, _ m: Int) -> __m256i {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &words) { $0.baseAddress?.copyMemory(from: b, byteCount: m) }
    return _mm256_set_epi64x(Int64(bitPattern: words.3), Int64(bitPattern: words.2), Int64(bitPattern: words.1), Int64(bitPattern: words.0))
}

/// The positions of `bytes` equal to `byte`, as bits.
@inline(__always)
private func equalPositions(_ byte: UInt8, _ bytes: __m256i) -> UInt64 {
    UInt64(UInt32(bitPattern: _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_set1_epi8(Int8(bitPattern: byte)), bytes))))
}
