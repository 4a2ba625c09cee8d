/// The string kernels' loops, written once and inlined into each variant (`@inlinable`): a variant
/// only says how it finds the positions of the second string (up to 64 bytes) that equal a byte of
/// the first — one SIMD compare per instruction set, or a loop — and the loop around it is compiled
/// with that variant's flags.

/// The Jaro matching step: for each byte `i` of the first string (`n` ≤ 64 bytes) in order, the first
/// position of the second (`m` ≤ 64 bytes) within `window` of `i` that is equal and not matched yet
/// becomes its match. `equal(i)` gives the positions equal to byte `i` (those outside the window or
/// matched already are masked off). Sets the matched positions of both strings as bits and returns
/// the matches.
@inlinable @inline(__always)
public func jaroMatches(n: Int, m: Int, window: Int, matchedA: inout UInt64, matchedB: inout UInt64,
                        equal: (_ i: Int) -> UInt64) -> Int {
    let inB: UInt64 = m == 64 ? ~0 : (1 << UInt64(m)) - 1
    var freeB = inB, ma: UInt64 = 0, matches = 0
    for i in 0..<n {
        let lo = max(0, i - window), hi = min(m - 1, i + window)
        guard lo <= hi else { continue }
        let width = UInt64(hi - lo + 1)
        let candidates = equal(i) & ((width == 64 ? ~0 : (1 << width) - 1) << UInt64(lo)) & freeB
        if candidates != 0 {
            freeB &= candidates - 1 | ~candidates  // the first candidate is matched now
            ma |= 1 << UInt64(i)
            matches += 1
        }
    }
    matchedA = ma
    matchedB = inB & ~freeB
    return matches
}

/// The Levenshtein distance of a first string of `n` bytes and a second of `m` (1 ≤ m ≤ 64),
/// bit-parallel (Myers' algorithm in Hyyrö's form, for a global distance: the edit matrix's column
/// is kept as vertical +1 / −1 deltas in two words). `equal(i)` gives the positions of the second
/// string equal to byte `i` of the first (bits past `m` may be set; they are masked off). Banded:
/// stops once the distance cannot come back within `limit` and returns at most `limit + 1`.
@inlinable @inline(__always)
public func bandedLevenshtein(n: Int, m: Int, limit: Int, equal: (_ i: Int) -> UInt64) -> Int {
    let mask: UInt64 = m == 64 ? ~0 : (1 << UInt64(m)) - 1
    let top: UInt64 = 1 << UInt64(m - 1)
    var vp = mask, vn: UInt64 = 0, score = m
    for i in 0..<n {
        let eq = equal(i) & mask
        let xv = eq | vn
        let xh = (((eq & vp) &+ vp) ^ vp) | eq
        var ph = vn | ~(xh | vp)
        var mh = vp & xh
        if ph & top != 0 { score += 1 } else if mh & top != 0 { score -= 1 }
        // Each byte left changes the distance by at most one.
        if score - (n - 1 - i) > limit { return limit + 1 }
        ph = (ph << 1) | 1
        mh <<= 1
        vp = (mh | ~(xv | ph)) & mask
        vn = ph & xv & mask
    }
    return min(score, limit + 1)
}
