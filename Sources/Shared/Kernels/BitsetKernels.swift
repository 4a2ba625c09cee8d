import KernelsAVX2

/// The bitset kernels of segment evaluation: AND, OR, AND NOT in place over 64-bit words (eight words
/// at a time as SIMD vectors, which every x86-64 level vectorises), and population counts (POPCNT in
/// the AVX2 build, chosen at run time; a portable loop elsewhere). The `scalar…` functions are the
/// word-by-word references the tests check them against.
public enum BitsetKernels {
    /// How a word of `b` combines into a word of `a`.
    public enum Operation: Sendable, CaseIterable {
        case and, or, andNot
    }

    /// `a[i] = a[i] op b[i]` for `n` words.
    public static func combine(_ operation: Operation, _ a: UnsafeMutablePointer<UInt64>, _ b: UnsafePointer<UInt64>, _ n: Int) {
        let vectors = n / 8
        let rawA = UnsafeMutableRawPointer(a), rawB = UnsafeRawPointer(b)
        switch operation {
        case .and:
            for v in 0..<vectors {
                let x = rawA.loadUnaligned(fromByteOffset: v * 64, as: SIMD8<UInt64>.self) & rawB.loadUnaligned(fromByteOffset: v * 64, as: SIMD8<UInt64>.self)
                rawA.storeBytes(of: x, toByteOffset: v * 64, as: SIMD8<UInt64>.self)
            }
        case .or:
            for v in 0..<vectors {
                let x = rawA.loadUnaligned(fromByteOffset: v * 64, as: SIMD8<UInt64>.self) | rawB.loadUnaligned(fromByteOffset: v * 64, as: SIMD8<UInt64>.self)
                rawA.storeBytes(of: x, toByteOffset: v * 64, as: SIMD8<UInt64>.self)
            }
        case .andNot:
            for v in 0..<vectors {
                let x = rawA.loadUnaligned(fromByteOffset: v * 64, as: SIMD8<UInt64>.self) & ~rawB.loadUnaligned(fromByteOffset: v * 64, as: SIMD8<UInt64>.self)
                rawA.storeBytes(of: x, toByteOffset: v * 64, as: SIMD8<UInt64>.self)
            }
        }
        scalarCombine(operation, a + vectors * 8, b + vectors * 8, n - vectors * 8)
    }

    /// The number of set bits in `n` words.
    public static func popcount(_ words: UnsafePointer<UInt64>, _ n: Int) -> Int {
        switch KernelVariant.best {
        case .avx512, .avx2: return bitsetPopcountAVX2(words, n)
        case .portable: return scalarPopcount(words, n)
        }
    }

    /// The number of set bits in `a AND b`, over `n` words.
    public static func intersectionCount(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, _ n: Int) -> Int {
        switch KernelVariant.best {
        case .avx512, .avx2: return bitsetAndPopcountAVX2(a, b, n)
        case .portable:
            var total = 0
            for i in 0..<n { total &+= (a[i] & b[i]).nonzeroBitCount }
            return total
        }
    }

    /// Word-by-word reference of ``combine(_:_:_:_:)``.
    public static func scalarCombine(_ operation: Operation, _ a: UnsafeMutablePointer<UInt64>, _ b: UnsafePointer<UInt64>, _ n: Int) {
        for i in 0..<n {
            switch operation {
            case .and: a[i] &= b[i]
            case .or: a[i] |= b[i]
            case .andNot: a[i] &= ~b[i]
            }
        }
    }

    /// Word-by-word reference of ``popcount(_:_:)``.
    public static func scalarPopcount(_ words: UnsafePointer<UInt64>, _ n: Int) -> Int {
        var total = 0
        for i in 0..<n { total &+= words[i].nonzeroBitCount }
        return total
    }
}
