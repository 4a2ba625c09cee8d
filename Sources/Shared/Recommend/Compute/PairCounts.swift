import OmnisegCore

/// Sparse pair counts of one shard for one bucket of target items: for each target item a (ascending)
/// and each indicator kind, the items b (distinct, ascending) that people with a target purchase of a
/// also had in that history, with the number of such people.
///
/// On the wire each pair takes one byte in the common case (a gap below 64 to the previous item and a
/// count of one): partials are the bulk of what a counting iteration moves through Redis.
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
        // One bit per item touched in the current row: read back word by word, it gives the row's
        // items in ascending order for the cost of itemCount / 64 words, without sorting.
        var touched = [UInt64](repeating: 0, count: (itemCount + 63) / 64)
        // Built in locals (appends to stored arrays would check uniqueness on every element).
        var targets: [UInt32] = [], starts: [UInt32] = [0], others: [UInt32] = [], counts: [UInt32] = []
        accumulator.withUnsafeMutableBufferPointer { acc in
            touched.withUnsafeMutableBufferPointer { bits in
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
                                bits[Int(b &>> 6)] |= 1 &<< UInt64(b & 63)
                                acc[Int(b)] &+= 1
                            }
                        }
                        for w in 0..<bits.count where bits[w] != 0 {
                            var word = bits[w]
                            bits[w] = 0
                            while word != 0 {
                                let b = w &* 64 &+ word.trailingZeroBitCount
                                others.append(UInt32(b))
                                counts.append(acc[b])
                                acc[b] = 0
                                word &= word &- 1
                            }
                        }
                        starts.append(UInt32(others.count))
                    }
                }
            }
        }
        self.targets = targets
        self.starts = starts
        self.others = others
        self.counts = counts
    }

    init() {}

    /// Targets and row starts as integers, then the pairs of each row as one variable-length code
    /// per pair: (gap to the previous item in the row) × 2 + (count is one), LEB128, followed by
    /// count − 2 (LEB128) when the count is not one.
    func encode(into writer: inout WireWriter) {
        writer.count(targets.count)
        writer.count(others.count)
        writer.integers(targets)
        writer.integers(starts)
        // At most 5 bytes per code, two codes per pair.
        let packed = [UInt8](unsafeUninitializedCapacity: others.count * 10) { out, initialized in
            var at = 0
            for row in 0..<(starts.count - 1) {
                var previous = -1
                for e in Int(starts[row])..<Int(starts[row + 1]) {
                    let item = Int(others[e]), count = counts[e]
                    let gap = UInt64(item - previous - 1)
                    previous = item
                    at = Self.put(gap &<< 1 | (count == 1 ? 1 : 0), into: out, at: at)
                    if count != 1 { at = Self.put(UInt64(count &- 2), into: out, at: at) }
                }
            }
            initialized = at
        }
        let length = packed.count
        writer.count(length)
        writer.raw(packed)
    }

    static func decode(from reader: inout WireReader, itemCount: Int) throws(OmnisegError) -> PairCounts {
        var p = PairCounts()
        let targetCount = try reader.count(limit: itemCount)
        let pairs = try reader.count(limit: 1 << 31)
        guard pairs <= reader.remaining else { throw reader.failure("it lists \(pairs) pairs in \(reader.remaining) bytes") }
        p.targets = try reader.integers(targetCount, of: UInt32.self)
        p.starts = try reader.integers(targetCount * kinds + 1, of: UInt32.self)
        guard p.starts.first == 0, p.starts.last.map(Int.init) == pairs else { throw reader.failure("pair starts do not span the \(pairs) pairs") }
        for i in 0..<(p.starts.count - 1) where p.starts[i] > p.starts[i + 1] { throw reader.failure("pair starts decrease at \(i)") }
        for i in 0..<targetCount where p.targets[i] >= UInt32(itemCount) || (i > 0 && p.targets[i] <= p.targets[i - 1]) {
            throw reader.failure("target items are not ascending below \(itemCount) at \(i)")
        }
        let length = try reader.count(limit: reader.remaining)
        let packed = try reader.bytes(length)
        var problem: String?
        var others = [UInt32](repeating: 0, count: pairs), counts = [UInt32](repeating: 0, count: pairs)
        packed.withUnsafeBufferPointer { input in
            others.withUnsafeMutableBufferPointer { others in
                counts.withUnsafeMutableBufferPointer { counts in
                    problem = Self.unpack(input, starts: p.starts, itemCount: itemCount, others: others, counts: counts)
                }
            }
        }
        if let problem { throw reader.failure(problem) }
        p.others = others
        p.counts = counts
        return p
    }

    /// Decodes the packed pairs of the rows `starts` delimits into `others` and `counts`; returns what
    /// is wrong with them, or nil.
    private static func unpack(_ input: UnsafeBufferPointer<UInt8>, starts: [UInt32], itemCount: Int,
                               others: UnsafeMutableBufferPointer<UInt32>, counts: UnsafeMutableBufferPointer<UInt32>) -> String? {
        var at = 0
        for row in 0..<(starts.count - 1) {
            var previous = -1
            for e in Int(starts[row])..<Int(starts[row + 1]) {
                guard let code = take(input, at: &at) else { return "the pairs end early, in pair \(e)" }
                let item = previous &+ 1 &+ Int(truncatingIfNeeded: code &>> 1)
                guard item < itemCount, item > previous else { return "paired item \(item) of pair \(e) is not below \(itemCount)" }
                previous = item
                others[e] = UInt32(truncatingIfNeeded: item)
                if code & 1 == 1 {
                    counts[e] = 1
                } else {
                    guard let extra = take(input, at: &at) else { return "the pairs end early, in pair \(e)" }
                    guard extra < UInt64(UInt32.max) - 1 else { return "the count of pair \(e) is out of range" }
                    counts[e] = UInt32(truncatingIfNeeded: extra) &+ 2
                }
            }
        }
        return at == input.count ? nil : "\(input.count - at) bytes are left after the pairs"
    }

    /// Writes `value` as LEB128 at `at`; returns the offset after it.
    @inline(__always)
    private static func put(_ value: UInt64, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var v = value, at = start
        while v >= 0x80 {
            out[at] = UInt8(truncatingIfNeeded: v) | 0x80
            v &>>= 7
            at &+= 1
        }
        out[at] = UInt8(v)
        return at &+ 1
    }

    /// Reads a LEB128 value at `at` (advancing it); nil when the input ends or the value runs past 63 bits.
    @inline(__always)
    private static func take(_ input: UnsafeBufferPointer<UInt8>, at: inout Int) -> UInt64? {
        if at < input.count, input[at] < 0x80 {
            at &+= 1
            return UInt64(input[at &- 1])
        }
        var value: UInt64 = 0, shift: UInt64 = 0
        while at < input.count {
            let byte = input[at]
            at &+= 1
            value |= UInt64(byte & 0x7F) &<< shift
            if byte < 0x80 { return value }
            shift &+= 7
            if shift > 56 { return nil }
        }
        return nil
    }
}
