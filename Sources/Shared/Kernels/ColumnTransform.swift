/// A column reshaped for clustering: `log1p(max(x, 0))` when asked, then clipped to `[low, high]`.
///
/// The log is computed the same way for one value and for sixteen lanes (the same IEEE operations in
/// the same order, no fused multiply-add), so a sample transformed one value at a time and a shard
/// transformed sixteen at a time agree bit for bit, on every CPU. The method: `1 + x = 2^e · m` with
/// `m` in [√½, √2), and `log m = 2 atanh(s)`, `s = (m − 1) / (m + 1)`, `|s| ≤ 0.172`, by its series
/// to `s⁹` (truncation below 1e-9, under a float's rounding). Finite inputs only: a feature is never
/// infinite or NaN.
public enum ColumnTransform {
    /// `log1p(max(x, 0))`.
    @inline(__always)
    public static func log1p(_ x: Float) -> Float {
        let y = 1 + Swift.max(x, 0)
        var bits = y.bitPattern
        var e = Float(Int32(bitPattern: bits >> 23) - 127)
        bits = (bits & 0x007F_FFFF) | 0x3F80_0000
        var m = Float(bitPattern: bits)
        if m > sqrtHalf * 2 {
            m = m * 0.5
            e = e + 1
        }
        let s = (m - 1) / (m + 1)
        let z = s * s
        let series = s * (c1 + z * (c3 + z * (c5 + z * (c7 + z * c9))))
        return e * ln2 + series
    }

    /// Sixteen lanes of ``log1p(_:)-(Float)``, bit for bit the same.
    @inline(__always)
    public static func log1p(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let y = 1 + x.replacing(with: 0, where: x .< 0)
        var bits = unsafeBitCast(y, to: SIMD16<UInt32>.self)
        var e = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bits &>> 23) &- 127)
        bits = (bits & 0x007F_FFFF) | 0x3F80_0000
        var m = unsafeBitCast(bits, to: SIMD16<Float>.self)
        let high = m .> sqrtHalf * 2
        m = m.replacing(with: m * 0.5, where: high)
        e = e.replacing(with: e + 1, where: high)
        let s = (m - 1) / (m + 1)
        let z = s * s
        let series = s * (c1 + z * (c3 + z * (c5 + z * (c7 + z * c9))))
        return e * ln2 + series
    }

    /// `target[i]` = the transform of `source[i]` for every index of the padded column (`source.count`
    /// a multiple of 16, `target` at least as long).
    public static func apply(log: Bool, low: Float, high: Float, source: UnsafeBufferPointer<Float>, target: UnsafeMutableBufferPointer<Float>) {
        guard let input = source.baseAddress, let output = target.baseAddress else { return }
        precondition(source.count % 16 == 0 && target.count >= source.count, "padded columns")
        let lows = SIMD16<Float>(repeating: low), highs = SIMD16<Float>(repeating: high)
        let raw = UnsafeRawPointer(input), out = UnsafeMutableRawPointer(output)
        for i in stride(from: 0, to: source.count, by: 16) {
            var v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            if log { v = log1p(v) }
            v = v.replacing(with: lows, where: v .< lows).replacing(with: highs, where: v .> highs)
            out.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
        }
    }

    /// One value clipped as ``apply(log:low:high:source:target:)`` clips.
    @inline(__always)
    public static func apply(log: Bool, low: Float, high: Float, _ x: Float) -> Float {
        var v = log ? log1p(x) : x
        if v < low { v = low }
        if v > high { v = high }
        return v
    }

    private static let sqrtHalf: Float = 0.707_106_77
    private static let ln2: Float = 0.693_147_18
    private static let c1: Float = 2, c3: Float = 2.0 / 3, c5: Float = 2.0 / 5, c7: Float = 2.0 / 7, c9: Float = 2.0 / 9
}
