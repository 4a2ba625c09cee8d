import Kernels

/// A binned feature matrix, row-major: row `r`'s bins are `values[r × columnCount ..< (r + 1) × columnCount]`.
///
/// Row-major because both tree growing (many features of one row per histogram update) and the
/// batch traversal kernels (one 32-bit gather per row and node) read a row's features together.
/// `values` has 4 bytes of padding after the last row so a 32-bit load at any bin stays in bounds.
public struct BinnedRows: Sendable, Equatable {
    public static let padding = 4
    public let rowCount: Int
    /// Bins per feature (at most 256).
    public let binCounts: [Int]
    public private(set) var values: [UInt8]

    public var columnCount: Int { binCounts.count }

    /// Zero bins for `rowCount` rows of `binCounts.count` features.
    public init(rowCount: Int, binCounts: [Int]) {
        precondition(binCounts.allSatisfy { $0 >= 1 && $0 <= FeatureBins.maximumBins })
        self.rowCount = rowCount
        self.binCounts = binCounts
        values = [UInt8](repeating: 0, count: rowCount * binCounts.count + Self.padding)
    }

    /// Rows from column-major bins (`columns[f][r]`), for tests and small data.
    public init(columns: [[UInt8]], binCounts: [Int]) {
        self.init(rowCount: columns.first?.count ?? 0, binCounts: binCounts)
        let d = columns.count
        for (f, column) in columns.enumerated() {
            precondition(column.count == rowCount && column.allSatisfy { Int($0) < binCounts[f] })
            for (r, b) in column.enumerated() { values[r * d + f] = b }
        }
    }

    /// Bins raw values, `bins[f]` for feature `f`; `column(f)` gives feature f's values for rows
    /// `0..<rowCount` (more may follow and are ignored).
    public init(rowCount: Int, bins: [FeatureBins], variant: KernelVariant = .best, column: (Int) -> UnsafeBufferPointer<Float>) {
        self.init(rowCount: rowCount, binCounts: bins.map(\.binCount))
        fill(rows: 0..<rowCount, bins: bins, variant: variant, column: column)
    }

    /// Bins rows `range` from raw values: `column(f)` gives feature f's values for those rows.
    public mutating func fill(rows range: Range<Int>, bins: [FeatureBins], variant: KernelVariant = .best,
                              column: (Int) -> UnsafeBufferPointer<Float>) {
        precondition(bins.count == columnCount && range.upperBound <= rowCount)
        let d = columnCount
        values.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            for f in 0..<d {
                bins[f].bin(UnsafeBufferPointer(rebasing: column(f)[0..<range.count]), into: base + range.lowerBound * d + f,
                            stride: d, variant: variant)
            }
        }
    }

    @inline(__always)
    public subscript(row: Int, feature: Int) -> UInt8 {
        get { values[row * columnCount + feature] }
        set { values[row * columnCount + feature] = newValue }
    }

    /// The rows `selected` (in that order), as their own matrix.
    public func rows(_ selected: [Int]) -> BinnedRows {
        var out = BinnedRows(rowCount: selected.count, binCounts: binCounts)
        let d = columnCount
        for (i, r) in selected.enumerated() {
            out.values.replaceSubrange(i * d ..< (i + 1) * d, with: values[r * d ..< (r + 1) * d])
        }
        return out
    }

    /// A matrix over stored bytes (`rowCount × binCounts.count` of them, padding optional).
    public init(rowCount: Int, binCounts: [Int], values: [UInt8]) {
        precondition(values.count >= rowCount * binCounts.count)
        self.rowCount = rowCount
        self.binCounts = binCounts
        var padded = values
        padded.removeLast(values.count - rowCount * binCounts.count)
        padded.append(contentsOf: repeatElement(0, count: Self.padding))
        self.values = padded
    }
}
