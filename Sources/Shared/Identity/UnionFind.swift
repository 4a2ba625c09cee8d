/// Disjoint sets over `0..<count` with path halving and union by size.
///
/// `union` is deterministic: the root of the larger set wins, ties go to the smaller index.
public struct UnionFind: Sendable {
    private var parent: [Int32]
    private var size: [Int32]

    /// `count` singleton sets.
    public init(count: Int) {
        parent = (0..<count).map { Int32($0) }
        size = Array(repeating: 1, count: count)
    }

    /// The number of elements.
    public var count: Int { parent.count }

    /// Adds element `count` as a set of its own.
    public mutating func append() {
        parent.append(Int32(parent.count))
        size.append(1)
    }

    /// The representative of `x`'s set.
    public mutating func find(_ x: Int) -> Int {
        var x = x
        while Int(parent[x]) != x {
            parent[x] = parent[Int(parent[x])]
            x = Int(parent[x])
        }
        return x
    }

    /// Joins the sets of `a` and `b`; returns the new root, or nil when they were already one set.
    @discardableResult
    public mutating func union(_ a: Int, _ b: Int) -> Int? {
        var ra = find(a), rb = find(b)
        if ra == rb { return nil }
        if size[ra] < size[rb] || (size[ra] == size[rb] && rb < ra) { swap(&ra, &rb) }
        parent[rb] = Int32(ra)
        size[ra] += size[rb]
        return ra
    }

    /// The size of `x`'s set.
    public mutating func setSize(_ x: Int) -> Int { Int(size[find(x)]) }
}
