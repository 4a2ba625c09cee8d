import KernelsC

/// A forest laid out for the batch traversal kernels: all trees' nodes in one array, each node a
/// packed `feature << 8 | threshold bin` and the index of its left child (the right one follows
/// it); leaves point at themselves with threshold 255, so every row walks exactly the tree's depth
/// without a branch and ends on its leaf. Thresholds are bin ids: rows are scored as binned bytes.
public struct CompiledForest: Sendable {
    public let treeCount: Int
    let split: [UInt32]
    let child: [Int32]
    let value: [Float]
    let root: [Int32]
    let depth: [Int32]

    public init(_ forest: RandomForest) {
        var split: [UInt32] = [], child: [Int32] = [], value: [Float] = [], root: [Int32] = [], depth: [Int32] = []
        for tree in forest.trees {
            let base = Int32(split.count)
            root.append(base)
            depth.append(Int32(tree.depth))
            for i in 0..<tree.nodeCount {
                if tree.feature[i] >= 0 {
                    split.append(UInt32(tree.feature[i]) << 8 | UInt32(tree.bin[i]))
                    child.append(base + tree.left[i])
                } else {
                    split.append(255)
                    child.append(base + Int32(i))
                }
                value.append(tree.value[i])
            }
        }
        treeCount = forest.trees.count
        self.split = split
        self.child = child
        self.value = value
        self.root = root
        self.depth = depth
    }

    /// The forest's probability for rows `range` of `rows`, into `out` (`range.count` of them),
    /// with the kernel `variant`; every variant gives the bits of ``RandomForest/probability(_:)``.
    public func predict(_ rows: BinnedRows, range: Range<Int>, into out: UnsafeMutablePointer<Float>, variant: KernelVariant = .best) {
        precondition(range.upperBound <= rows.rowCount)
        guard treeCount > 0 else {
            out.initialize(repeating: 0, count: range.count)
            return
        }
        let stride = rows.columnCount
        split.withUnsafeBufferPointer { split in
            child.withUnsafeBufferPointer { child in
                value.withUnsafeBufferPointer { value in
                    root.withUnsafeBufferPointer { root in
                        depth.withUnsafeBufferPointer { depth in
                            rows.values.withUnsafeBufferPointer { bins in
                                var forest = omniseg_forest(split: split.baseAddress, child: child.baseAddress, value: value.baseAddress,
                                                            root: root.baseAddress, depth: depth.baseAddress, trees: Int32(treeCount))
                                guard let base = bins.baseAddress?.advanced(by: range.lowerBound * stride) else { return }
                                switch variant {
                                case .avx512: omniseg_forest_predict_avx512(&forest, base, stride, range.count, out)
                                case .avx2: omniseg_forest_predict_avx2(&forest, base, stride, range.count, out)
                                case .portable: omniseg_forest_predict_portable(&forest, base, stride, range.count, out)
                                }
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
