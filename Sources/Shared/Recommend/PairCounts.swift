/// Sparse pair counts of one shard for one bucket of target items: for each target item a (ascending)
/// and each indicator kind, the items b (distinct, in order of first sight) that people with a target purchase of a also
/// had in that history, with the number of such people.
struct PairCounts: Sendable, Equatable {
    static let kinds = HistoryKind.indicators.count

    /// Target items, ascending.
    var targets: [UInt32] = []
    /// `starts[t * kinds + j] ..< starts[t * kinds + j + 1]` are target t's pairs of indicator kind j.
    var starts: [UInt32] = [0]
    var others: [UInt32] = []
    var counts: [UInt32] = []

    var pairCount: Int { others.count }

    /// The entries of target index t, indicator kind j.
    @inline(__always)
    func range(target t: Int, kind j: Int) -> Range<Int> { Int(starts[t * Self.kinds + j])..<Int(starts[t * Self.kinds + j + 1]) }

    /// The bucket an item's pairs are counted and merged in.
    @inline(__always)
    static func bucket(of item: UInt32, buckets: Int) -> Int { Int(PersonItemSets.mix(UInt64(item)) % UInt64(buckets)) }

    /// Counts the pairs of `sets` whose target item is in `bucket` (row by row of the target-item ×
    /// history matrix, with a dense accumulator over items: each person's pairs are added once).
    /// A target item is not paired with itself in the purchase history.
    init(counting sets: PersonItemSets, bucket: Int, buckets: Int, itemCount: Int) {
        let target = HistoryKind.target.rawValue
        // Which people have each target item of the bucket (an inverted index, counting-sorted by item).
        var peopleStart = [Int](repeating: 0, count: itemCount + 1)
        var inBucket = [Bool](repeating: false, count: itemCount)
        for item in 0..<itemCount { inBucket[item] = Self.bucket(of: UInt32(item), buckets: buckets) == bucket }
        for r in 0..<sets.rowCount {
            for a in sets.items(target, row: r) where inBucket[Int(a)] { peopleStart[Int(a) + 1] += 1 }
        }
        for item in 0..<itemCount { peopleStart[item + 1] += peopleStart[item] }
        var people = [UInt32](repeating: 0, count: peopleStart[itemCount])
        var fill = peopleStart
        for r in 0..<sets.rowCount {
            for a in sets.items(target, row: r) where inBucket[Int(a)] {
                people[fill[Int(a)]] = UInt32(r)
                fill[Int(a)] += 1
            }
        }
        var accumulator = [UInt32](repeating: 0, count: itemCount)
        var touched: [UInt32] = []
        // Built in locals (appends to stored arrays would check uniqueness on every element).
        var targets: [UInt32] = [], starts: [UInt32] = [0], others: [UInt32] = [], counts: [UInt32] = []
        accumulator.withUnsafeMutableBufferPointer { acc in
            for a in 0..<itemCount where peopleStart[a + 1] > peopleStart[a] {
                targets.append(UInt32(a))
                for kind in HistoryKind.indicators {
                    let history = sets.items[kind.rawValue], offsets = sets.offsets[kind.rawValue]
                    let skipSelf = kind == .purchase ? UInt32(a) : UInt32.max
                    for p in peopleStart[a]..<peopleStart[a + 1] {
                        let r = Int(people[p])
                        for i in Int(offsets[r])..<Int(offsets[r + 1]) {
                            let b = history[i]
                            if b == skipSelf { continue }
                            if acc[Int(b)] == 0 { touched.append(b) }
                            acc[Int(b)] &+= 1
                        }
                    }
                    // In order of first sight (deterministic: people and their items are in a fixed order).
                    for b in touched {
                        others.append(b)
                        counts.append(acc[Int(b)])
                        acc[Int(b)] = 0
                    }
                    touched.removeAll(keepingCapacity: true)
                    starts.append(UInt32(others.count))
                }
            }
        }
        self.targets = targets
        self.starts = starts
        self.others = others
        self.counts = counts
    }

    init() {}

    func encode(into writer: inout WireWriter) {
        writer.count(targets.count)
        writer.count(others.count)
        for array in [targets, starts, others, counts] { writer.integers(array) }
    }

    static func decode(from reader: inout WireReader, itemCount: Int) throws(OmnisegError) -> PairCounts {
        var p = PairCounts()
        let targetCount = try reader.count(limit: itemCount)
        let pairs = try reader.count(limit: 1 << 31)
        p.targets = try reader.integers(targetCount, of: UInt32.self)
        p.starts = try reader.integers(targetCount * kinds + 1, of: UInt32.self)
        p.others = try reader.integers(pairs, of: UInt32.self)
        p.counts = try reader.integers(pairs, of: UInt32.self)
        guard p.starts.first == 0, p.starts.last.map(Int.init) == pairs else { throw reader.failure("pair starts do not span the \(pairs) pairs") }
        for i in 0..<(p.starts.count - 1) where p.starts[i] > p.starts[i + 1] { throw reader.failure("pair starts decrease at \(i)") }
        for i in 0..<targetCount where p.targets[i] >= UInt32(itemCount) || (i > 0 && p.targets[i] <= p.targets[i - 1]) {
            throw reader.failure("target items are not ascending below \(itemCount) at \(i)")
        }
        for b in p.others where b >= UInt32(itemCount) { throw reader.failure("paired item \(b) is not below \(itemCount)") }
        return p
    }
}
