/// One byte of the bit-parallel Levenshtein distance (Myers' algorithm in Hyyrö's form, for a global
/// distance): the edit matrix's column for a second string of up to 64 bytes is kept as vertical
/// +1 / −1 deltas (`vp`, `vn`); `eq` has the positions where that string equals the byte. Returns
/// the change of the bottom cell (+1, 0, −1). Inlined into each kernel variant, which differ only in
/// how they find `eq` (a SIMD compare per instruction set, or a loop).
@inlinable @inline(__always)
public func myersStep(eq: UInt64, vp: inout UInt64, vn: inout UInt64, top: UInt64, mask: UInt64) -> Int {
    let xv = eq | vn
    let xh = (((eq & vp) &+ vp) ^ vp) | eq
    var ph = vn | ~(xh | vp)
    var mh = vp & xh
    let change = ph & top != 0 ? 1 : (mh & top != 0 ? -1 : 0)
    ph = (ph << 1) | 1
    mh <<= 1
    vp = (mh | ~(xv | ph)) & mask
    vn = ph & xv & mask
    return change
}

/// The Jaro matching choice for one byte of the first string: of `candidates` (positions of the
/// second string equal to it, in its window, not matched yet), the first. Clears it from `free` and
/// says whether there was one. Inlined into each kernel variant.
@inlinable @inline(__always)
public func jaroTake(_ candidates: UInt64, free: inout UInt64) -> Bool {
    guard candidates != 0 else { return false }
    free &= candidates - 1 | ~candidates  // clears the lowest set bit of candidates
    return true
}

/// The bits `lo...hi` of a 64-bit mask (0 ≤ lo ≤ hi < 64).
@inlinable @inline(__always)
public func windowMask(_ lo: Int, _ hi: Int) -> UInt64 {
    let width = UInt64(hi - lo + 1)
    return (width == 64 ? ~0 : (1 << width) - 1) << UInt64(lo)
}
