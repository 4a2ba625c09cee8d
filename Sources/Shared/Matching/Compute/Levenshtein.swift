import Kernels
import KernelsCommon
import KernelsAVX2
import KernelsAVX512

/// Levenshtein distance (insertions, deletions, substitutions) of two pre-normalized byte strings,
/// banded: at most `limit + 1` is returned, and the computation stops as soon as the distance cannot
/// come back within `limit`. Bit-parallel (Myers' algorithm in Hyyrö's form): one 64-bit word holds
/// a column of the edit matrix for a second string of up to 64 bytes, so a byte of the first costs a
/// dozen word operations. Its match positions in the second string come from one SIMD compare per
/// instruction set (``KernelVariant``: AVX-512 BW 64 bytes into a mask, AVX2 32 bytes, portable a
/// loop); all variants return the same number. Longer strings take the textbook dynamic programme.
public enum Levenshtein {
    public static func distance(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, limit: Int, variant: KernelVariant = .best) -> Int {
        // The longer string is `a`: the band's exit test reads how much of `a` is left.
        let (x, y) = a.count >= b.count ? (a, b) : (b, a)
        let n = x.count, m = y.count
        if m == 0 { return min(n, limit + 1) }
        if n - m > limit { return limit + 1 }
        guard m <= 64, let p = x.baseAddress?.assumingMemoryBound(to: UInt8.self), let q = y.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return min(textbook(x, y), limit + 1)
        }
        switch variant {
        case .avx512: return levenshteinAVX512(p, n, q, m, limit: limit)
        case .avx2 where m <= 32: return levenshteinAVX2(p, n, q, m, limit: limit)
        default: return portable(p, n, q, m, limit: limit)
        }
    }

    /// The distance of two strings' UTF-8 bytes.
    public static func distance(_ a: String, _ b: String, limit: Int, variant: KernelVariant = .best) -> Int {
        var x = a, y = b
        return x.withUTF8 { p in y.withUTF8 { q in distance(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(q), limit: limit, variant: variant) } }
    }

    /// The bit-parallel loop with match positions found byte by byte (any CPU).
    static func portable(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, limit: Int) -> Int {
        bandedLevenshtein(n: n, m: m, limit: limit) { i in
            var equal: UInt64 = 0
            for j in 0..<m where b[j] == a[i] { equal |= 1 << UInt64(j) }
            return equal
        }
    }

    /// The dynamic programme over the whole matrix, two rows at a time (the reference, and strings past 64 bytes).
    static func textbook(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(1, a.count) where !a.isEmpty {
            current[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
