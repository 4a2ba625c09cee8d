/// Population count of `n` words, compiled with `-target-cpu haswell` so `nonzeroBitCount` is one
/// POPCNT instruction per word (four independent sums keep the port busy). Called only on CPUs with AVX2.
public func bitsetPopcountAVX2(_ words: UnsafePointer<UInt64>, _ n: Int) -> Int {
    var s0 = 0, s1 = 0, s2 = 0, s3 = 0
    var i = 0
    while i + 4 <= n {
        s0 &+= words[i].nonzeroBitCount
        s1 &+= words[i + 1].nonzeroBitCount
        s2 &+= words[i + 2].nonzeroBitCount
        s3 &+= words[i + 3].nonzeroBitCount
        i += 4
    }
    while i < n {
        s0 &+= words[i].nonzeroBitCount
        i += 1
    }
    return s0 &+ s1 &+ s2 &+ s3
}

/// Population count of `a AND b` over `n` words without writing it (segment sizes of intersections).
public func bitsetAndPopcountAVX2(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, _ n: Int) -> Int {
    var s0 = 0, s1 = 0, s2 = 0, s3 = 0
    var i = 0
    while i + 4 <= n {
        s0 &+= (a[i] & b[i]).nonzeroBitCount
        s1 &+= (a[i + 1] & b[i + 1]).nonzeroBitCount
        s2 &+= (a[i + 2] & b[i + 2]).nonzeroBitCount
        s3 &+= (a[i + 3] & b[i + 3]).nonzeroBitCount
        i += 4
    }
    while i < n {
        s0 &+= (a[i] & b[i]).nonzeroBitCount
        i += 1
    }
    return s0 &+ s1 &+ s2 &+ s3
}
