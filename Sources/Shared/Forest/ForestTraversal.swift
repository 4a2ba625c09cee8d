import Kernels
import KernelsC

/// A forest laid out for the batch traversal kernels: all trees' nodes in one array, each node one
/// 64-bit word holding the index of its left child (the right one follows it) and the packed
/// `feature << 8 | threshold bin`, so one load fetches both; leaves point at themselves with threshold 255, so every row walks exactly the tree's depth
/// without a branch and ends on its leaf. Thresholds are bin ids: rows are scored as binned bytes.
public struct CompiledForest: Sendable {
    public let treeCount: Int
    let node: [UInt64]
    let value: [Float]
    let root: [Int32]
    let depth: [Int32]

    public init(_ forest: RandomForest) {
        var node: [UInt64] = [], value: [Float] = [], root: [Int32] = [], depth: [Int32] = []
        for tree in forest.trees {
            let base = Int32(node.count)
            root.append(base)
            depth.append(Int32(tree.depth))
            for i in 0..<tree.nodeCount {
                if tree.feature[i] >= 0 {
                    node.append(UInt64(UInt32(base + tree.left[i])) << 32 | UInt64(UInt32(tree.feature[i]) << 8 | UInt32(tree.bin[i])))
                } else {
                    node.append(UInt64(UInt32(base + Int32(i))) << 32 | 255)
                }
                value.append(tree.value[i])
            }
        }
        treeCount = forest.trees.count
        self.node = node
        self.value = value
        self.root = root
        self.depth = depth
    }

    /// The forest's probability for rows `range` of `rows`, into `out` (`range.count` of them),
    /// with the kernel `variant`; every variant gives the bits of ``RandomForest/probability(_:)``.
    /// The AVX2 kernel walks 4 × 8 rows through a tree at once (8-lane gathers of the 64-bit node
    /// words and of the rows' bins); the portable one interleaves 8 rows in scalar code.
    public func predict(_ rows: BinnedRows, range: Range<Int>, into out: UnsafeMutablePointer<Float>, variant: KernelVariant = .best) {
        precondition(range.upperBound <= rows.rowCount)
        guard treeCount > 0 else {
            out.initialize(repeating: 0, count: range.count)
            return
        }
        let stride = rows.columnCount
        node.withUnsafeBufferPointer { node in
                value.withUnsafeBufferPointer { value in
                    root.withUnsafeBufferPointer { root in
                        depth.withUnsafeBufferPointer { depth in
                            rows.values.withUnsafeBufferPointer { bins in
                                var forest = omniseg_forest(node: node.baseAddress, value: value.baseAddress,
                                                            root: root.baseAddress, depth: depth.baseAddress, trees: Int32(treeCount))
                                guard let base = bins.baseAddress?.advanced(by: range.lowerBound * stride) else { return }
                                switch variant {
                                // AVX-512 hosts run the 8-lane gather kernel: 16-lane gathers measured slower.
                                case .avx512, .avx2: omniseg_forest_predict_avx2(&forest, base, stride, range.count, out)
                                case .portable: omniseg_forest_predict_portable(&forest, base, stride, range.count, out)
                                }
                            }
                        }
                    }
                }
            }
    }

    /// The forest's probability for every row of `rows`.
    public func predict(_ rows: BinnedRows, variant: KernelVariant = .best) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows.rowCount) { buffer, count in
            if let base = buffer.baseAddress { predict(rows, range: 0..<rows.rowCount, into: base, variant: variant) }
            count = rows.rowCount
        }
    }
}
