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
        ratio(both: both, first: first, second: second, people: people, row: rowTerm(first: first, people: people),
              column: columnTerm(second: second, people: people))
    }

    /// The part of G²/2 that depends only on the first item's count (constant along a row of pairs).
    @inline(__always)
    public static func rowTerm(first: Int, people: Int) -> Double {
        xLogX(people) - xLogX(first) - xLogX(max(0, people - first))
    }

    /// The part of G²/2 that depends only on the second item's count (constant down a column).
    @inline(__always)
    public static func columnTerm(second: Int, people: Int) -> Double {
        -xLogX(second) - xLogX(max(0, people - second))
    }

    /// G² from the cell counts and the precomputed ``rowTerm(first:people:)`` and
    /// ``columnTerm(second:people:)``: the rows and columns entropies cancel the table's total, so
    /// G² = 2 · (row + column + Σ x·ln x over the four cells). Only the cells cost logarithms.
    @inline(__always)
    public static func ratio(both: Int, first: Int, second: Int, people: Int, row: Double, column: Double) -> Double {
        let k12 = max(0, first - both), k21 = max(0, second - both)
        let k22 = max(0, people - both - k12 - k21)
        return max(0, 2 * (row + column + (xLogX(both) + xLogX(k12) + xLogX(k21) + xLogX(k22))))
    }
}
