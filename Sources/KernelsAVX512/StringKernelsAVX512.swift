import _Builtin_intrinsics.intel
import KernelsCommon

// String kernels, AVX-512 BW (compiled with `-target-cpu skylake-avx512`; called only when the CPU
// has it), for a second string of up to 64 bytes: read with a masked load (no byte past its end is
// touched), and the positions equal to a byte of the first string are one compare straight into a
// mask register. The loops are KernelsCommon's, so every variant returns the same result.

/// The Jaro matching step (``jaroMatches(n:m:window:matchedA:matchedB:equal:)``), `m` ≤ 64.
public func jaroMatchAVX512(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, window: Int,
                            matchedA: inout UInt64, matchedB: inout UInt64) -> Int {
    let bytes = load(b, m)
    return jaroMatches(n: n, m: m, window: window, matchedA: &matchedA, matchedB: &matchedB) { i in equalPositions(a[i], bytes) }
}

/// The banded Levenshtein distance (``bandedLevenshtein(n:m:limit:equal:)``), 1 ≤ `m` ≤ 64.
public func levenshteinAVX512(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, limit: Int) -> Int {
    let bytes = load(b, m)
    return bandedLevenshtein(n: n, m: m, limit: limit) { i in equalPositions(a[i], bytes) }
}

/// `m` ≤ 64 bytes into one register by a masked load.
@inline(__always)
private func load(_ b: UnsafePointer<UInt8>, _ m: Int) -> __m512i {
    _mm512_maskz_loadu_epi8(m == 64 ? ~0 : (1 << UInt64(m)) - 1, b)
}

/// The positions of `bytes` equal to `byte`, as bits: where their XOR is zero (the compare intrinsic
/// is a macro Swift cannot import).
@inline(__always)
private func equalPositions(_ byte: UInt8, _ bytes: __m512i) -> UInt64 {
    let difference = _mm512_xor_si512(_mm512_set1_epi8(Int8(bitPattern: byte)), bytes)
    return _mm512_testn_epi8_mask(difference, difference)
}
