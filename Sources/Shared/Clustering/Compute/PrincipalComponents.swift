import Features
import OmnisegCore

/// Co-moments of a set of columns (count, means, and the centered cross-product matrix), mergeable
/// like ``ColumnMoments`` (Chan et al.), so shard partials give the dataset's covariance.
struct CoMoments: Equatable {
    var count: Double = 0
    var means: [Double]
    /// `d × d`, row-major: Σ (x_i − mean_i)(x_j − mean_j).
    var products: [Double]

    init(dimension d: Int) {
        means = [Double](repeating: 0, count: d)
        products = [Double](repeating: 0, count: d * d)
    }

    /// The co-moments of `columns` of `shard` (two passes in Double: the means, then the products).
    init(_ shard: FeatureShard, columns: [Int]) {
        let d = columns.count
        let n = shard.rowCount
        self.init(dimension: d)
        guard n > 0 else { return }
        count = Double(n)
        var centered = [[Double]]()
        centered.reserveCapacity(d)
        for (p, c) in columns.enumerated() {
            let values = shard.column(c)
            var sum = 0.0
            for i in 0..<n { sum += Double(values[i]) }
            means[p] = sum / count
            centered.append((0..<n).map { Double(values[$0]) - means[p] })
        }
        for a in 0..<d {
            for b in a..<d {
                var total = 0.0
                centered[a].withUnsafeBufferPointer { x in
                    centered[b].withUnsafeBufferPointer { y in
                        for i in 0..<n { total += x[i] * y[i] }
                    }
                }
                products[a * d + b] = total
                products[b * d + a] = total
            }
        }
    }

    mutating func merge(_ other: CoMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let d = means.count
        let n = count + other.count
        let delta = (0..<d).map { other.means[$0] - means[$0] }
        let weight = count * other.count / n
        for a in 0..<d {
            for b in 0..<d { products[a * d + b] += other.products[a * d + b] + delta[a] * delta[b] * weight }
        }
        for a in 0..<d { means[a] += delta[a] * other.count / n }
        count = n
    }

    func encode(into w: inout WireWriter) {
        w.f64(count)
        for v in means { w.f64(v) }
        for v in products { w.f64(v) }
    }

    static func decode(from r: inout WireReader, dimension d: Int) throws(OmnisegError) -> CoMoments {
        var m = CoMoments(dimension: d)
        m.count = try r.f64()
        for i in 0..<d { m.means[i] = try r.f64() }
        for i in 0..<(d * d) { m.products[i] = try r.f64() }
        return m
    }
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (d of a few dozen).
enum SymmetricEigen {
    /// Eigenvalues in descending order and their unit eigenvectors (`vectors[i]` for `values[i]`),
    /// each signed so that its largest-magnitude entry is positive (a deterministic orientation).
    static func decompose(_ matrix: [Double], dimension n: Int) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] || (a[$0 * n + $0] == a[$1 * n + $1] && $0 < $1) }
        let values = order.map { a[$0 * n + $0] }
        let vectors = order.map { j -> [Double] in
            var column = (0..<n).map { v[$0 * n + j] }
            if let largest = column.indices.max(by: { abs(column[$0]) < abs(column[$1]) }), column[largest] < 0 {
                column = column.map { -$0 }
            }
            return column
        }
        return (values, vectors)
    }
}
