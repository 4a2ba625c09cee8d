#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dunning's log-likelihood ratio (G²) of a 2×2 contingency table, the test the recommender keeps an
/// item pair by: k11 = people with both, k12 = with the first only, k21 = with the second only,
/// k22 = with neither.
public enum LogLikelihood {
    /// x·ln(x) for integer counts below the table size, looked up (the hot path computes millions).
    private static let table: [Double] = (0..<(1 << 16)).map { $0 == 0 ? 0 : Double($0) * log(Double($0)) }

    @inline(__always)
    static func xLogX(_ x: Int) -> Double {
        x < table.count ? table[x] : (x <= 0 ? 0 : Double(x) * log(Double(x)))
    }

    /// G² of the table; 0 when rounding makes it slightly negative.
    @inline(__always)
    public static func ratio(_ k11: Int, _ k12: Int, _ k21: Int, _ k22: Int) -> Double {
        let rowEntropy = xLogX(k11 + k12 + k21 + k22) - xLogX(k11 + k12) - xLogX(k21 + k22)
        let columnEntropy = xLogX(k11 + k12 + k21 + k22) - xLogX(k11 + k21) - xLogX(k12 + k22)
        let matrixEntropy = xLogX(k11 + k12 + k21 + k22) - xLogX(k11) - xLogX(k12) - xLogX(k21) - xLogX(k22)
        return max(0, 2 * (rowEntropy + columnEntropy - matrixEntropy))
    }

    /// G² for a pair counted `both` times, whose items have `first` and `second` people, out of `people`.
    @inline(__always)
    public static func ratio(both: Int, first: Int, second: Int, people: Int) -> Double {
        let k12 = max(0, first - both), k21 = max(0, second - both)
        return ratio(both, k12, k21, max(0, people - both - k12 - k21))
    }
}
