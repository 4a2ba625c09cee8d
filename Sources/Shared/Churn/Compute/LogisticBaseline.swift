import Foundation
import OmnisegCore

/// The logistic-regression baseline of a churn model: the same features, standardized (mean 0,
/// standard deviation 1 on the rows it was fitted on), fitted by Newton's method (iteratively
/// reweighted least squares) with a small ridge penalty so that separable data still converges. What
/// an analyst would fit first; `churn train` reports it beside the forest on the same held-out people.
public struct LogisticBaseline: Sendable, Equatable {
    public var means: [Double]
    public var scales: [Double]
    /// One weight per standardized feature, then the intercept.
    public var weights: [Double]
    /// Newton steps taken, and the rows fitted on.
    public var iterations: Int
    public var rows: Int

    /// The ridge penalty on the standardized weights (not the intercept), per fitted row.
    public static let ridge = 1e-4
    public static let maxIterations = 50

    public init(means: [Double], scales: [Double], weights: [Double], iterations: Int, rows: Int) {
        self.means = means
        self.scales = scales
        self.weights = weights
        self.iterations = iterations
        self.rows = rows
    }

    /// Fits the baseline on `rows` rows whose feature `f` is `value(row, f)` (of `features`), labelled
    /// `labels[row]` (1: churned). A value that is not finite counts as the feature's mean.
    public static func fit(rows: Int, features d: Int, labels: [UInt8], value: (Int, Int) -> Float) -> LogisticBaseline {
        precondition(labels.count == rows, "one label per row")
        var means = [Double](repeating: 0, count: d), scales = [Double](repeating: 1, count: d)
        var counts = [Int](repeating: 0, count: d)
        for i in 0..<rows {
            for f in 0..<d {
                let v = value(i, f)
                guard v.isFinite else { continue }
                means[f] += Double(v)
                counts[f] += 1
            }
        }
        for f in 0..<d { means[f] = counts[f] > 0 ? means[f] / Double(counts[f]) : 0 }
        var squares = [Double](repeating: 0, count: d)
        for i in 0..<rows {
            for f in 0..<d {
                let v = value(i, f)
                if v.isFinite { squares[f] += (Double(v) - means[f]) * (Double(v) - means[f]) }
            }
        }
        for f in 0..<d where counts[f] > 1 && squares[f] > 0 { scales[f] = (squares[f] / Double(counts[f])).squareRoot() }
        // The standardized design matrix, one row of d values and a 1 for the intercept.
        let p = d + 1
        var x = [Double](repeating: 0, count: rows * p)
        for i in 0..<rows {
            for f in 0..<d {
                let v = value(i, f)
                x[i * p + f] = v.isFinite ? (Double(v) - means[f]) / scales[f] : 0
            }
            x[i * p + d] = 1
        }
        var beta = [Double](repeating: 0, count: p)
        let churned = labels.reduce(0) { $0 + Int($1) }
        if churned > 0, churned < rows { beta[d] = log(Double(churned) / Double(rows - churned)) }
        let lambda = ridge * Double(max(1, rows))
        var iterations = 0
        var hessian = [Double](repeating: 0, count: p * p), gradient = [Double](repeating: 0, count: p)
        while iterations < maxIterations {
            iterations += 1
            for k in hessian.indices { hessian[k] = 0 }
            for k in gradient.indices { gradient[k] = 0 }
            x.withUnsafeBufferPointer { x in
                hessian.withUnsafeMutableBufferPointer { h in
                    for i in 0..<rows {
                        let row = UnsafeBufferPointer(rebasing: x[(i * p)..<((i + 1) * p)])
                        var z = 0.0
                        for k in 0..<p { z += row[k] * beta[k] }
                        let prob = 1 / (1 + exp(-z)), w = max(prob * (1 - prob), 1e-12), residual = Double(labels[i]) - prob
                        for a in 0..<p {
                            gradient[a] += row[a] * residual
                            let wa = w * row[a]
                            for b in a..<p { h[a * p + b] += wa * row[b] }
                        }
                    }
                }
            }
            for a in 0..<p { for b in 0..<a { hessian[a * p + b] = hessian[b * p + a] } }
            for a in 0..<d {
                hessian[a * p + a] += lambda
                gradient[a] -= lambda * beta[a]
            }
            guard let step = Self.solve(hessian, gradient, size: p) else { break }
            for k in 0..<p { beta[k] += step[k] }
            if step.allSatisfy({ abs($0) < 1e-9 }) { break }
        }
        return LogisticBaseline(means: means, scales: scales, weights: beta, iterations: iterations, rows: rows)
    }

    /// The churn probability of a row whose feature `f` is `value(f)`.
    public func probability(_ value: (Int) -> Float) -> Double {
        let d = means.count
        var z = weights[d]
        for f in 0..<d {
            let v = value(f)
            if v.isFinite { z += weights[f] * (Double(v) - means[f]) / scales[f] }
        }
        return 1 / (1 + exp(-z))
    }

    /// Solves the symmetric positive-definite system `a` x = `b` by Cholesky; nil when it is not.
    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in (0..<n).reversed() {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }

    func encode(into w: inout WireWriter) {
        w.count(means.count)
        for v in means + scales + weights { w.f64(v) }
        w.u32(UInt32(iterations))
        w.u64(UInt64(rows))
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> LogisticBaseline {
        let d = try r.count(limit: 1 << 16)
        var values: [Double] = []
        for _ in 0..<(3 * d + 1) { values.append(try r.f64()) }
        guard values.allSatisfy(\.isFinite), values[d..<(2 * d)].allSatisfy({ $0 > 0 }) else {
            throw r.failure("the logistic baseline has a non-finite value or a scale that is not positive")
        }
        return LogisticBaseline(means: Array(values[0..<d]), scales: Array(values[d..<(2 * d)]), weights: Array(values[(2 * d)...]),
                                iterations: Int(try r.u32()), rows: Int(try r.tally()))
    }
}
