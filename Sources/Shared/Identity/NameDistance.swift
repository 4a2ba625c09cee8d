/// Small string distances for matching names that may carry a typo.
public enum NameDistance {
    /// Whether `a` and `b` are equal or one edit apart: one character inserted, deleted, replaced,
    /// or two neighbours swapped (optimal string alignment distance ≤ 1).
    public static func withinOneTypo(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > 1 { return false }
        var i = 0
        while i < min(x.count, y.count) && x[i] == y[i] { i += 1 }
        if x.count == y.count {
            if x[(i + 1)...] == y[(i + 1)...] { return true }   // one replacement
            return i + 1 < x.count && x[i] == y[i + 1] && x[i + 1] == y[i] && x[(i + 2)...] == y[(i + 2)...]  // one swap
        }
        let (longer, shorter) = x.count > y.count ? (x, y) : (y, x)
        return longer[(i + 1)...] == shorter[i...]   // one insertion or deletion
    }
}
