/// Which person each row of a feature set is — and so each row of every artefact built on it
/// (cluster labels, churn scores, recommendations, segment members, audiences).
///
/// Row r is person `ids[r]`; ids ascend. Person ids are stable across resolves (a person keeps its id;
/// merged people keep the oldest), so rows are not ids: always go through this mapping.
/// `generation` is the identity generation the rows were built on (0: a feature set built before
/// generations were recorded, whose rows were then person id − 1 of that day's resolve).
public struct PersonRows: Sendable, Equatable {
    /// The person id of each row, ascending.
    public let ids: [Int64]
    /// The identity generation the rows were built on.
    public let generation: Int64

    /// Rows of `ids` (ascending, distinct) on identity generation `generation`.
    public init(ids: [Int64], generation: Int64) {
        self.ids = ids
        self.generation = generation
    }

    /// Rows 0..<count as persons 1...count: how feature sets built before stable ids numbered their rows.
    public static func dense(count: Int, generation: Int64 = 0) -> PersonRows {
        PersonRows(ids: (0..<Int64(count)).map { $0 + 1 }, generation: generation)
    }

    /// The number of rows.
    public var count: Int { ids.count }

    /// The person id of `row`.
    @inline(__always)
    public func id(ofRow row: Int) -> Int64 { ids[row] }

    /// The row of person `id`, or nil when no row is that person.
    public func row(ofID id: Int64) -> Int? {
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }

    /// Throws unless an artefact of `rows` rows (`what`: "recommend job J3") lines up with these rows,
    /// as everything built on a feature set must before its rows are named.
    public func check(_ what: @autoclosure () -> String, covers rows: Int) throws(OmnisegError) {
        guard rows == count else { throw OmnisegError(.corrupt, "\(what()) covers \(rows) rows, its feature set \(count)") }
    }

    /// The ids as stored with a feature set: little-endian 64-bit integers.
    public var encodedIDs: [UInt8] {
        var writer = WireWriter(capacity: ids.count * 8)
        writer.integers(ids)
        return writer.bytes
    }

    /// Reads ``encodedIDs`` back, checking that there are `count` ascending positive ids.
    public init(encodedIDs bytes: [UInt8], count: Int, generation: Int64) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "person ids")
        let ids = try reader.integers(count, of: Int64.self)
        try reader.expectEnd()
        var previous: Int64 = 0
        for id in ids {
            guard id > previous else { throw OmnisegError(.corrupt, "person ids are not ascending and positive (\(id) after \(previous))") }
            previous = id
        }
        self.init(ids: ids, generation: generation)
    }
}
