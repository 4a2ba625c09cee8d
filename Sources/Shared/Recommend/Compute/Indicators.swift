import OmnisegCore

/// People per item and history kind (after downsampling), and the people counted: the margins of
/// every pair's 2×2 table.
struct ItemMarginals: Sendable, Equatable {
    /// Per ``HistoryKind``: people per item.
    var counts: [[UInt32]]
    /// People with at least one interaction counted.
    var people: Int

    init(itemCount: Int) {
        counts = [[UInt32]](repeating: [UInt32](repeating: 0, count: itemCount), count: HistoryKind.allCases.count)
        people = 0
    }

    /// The margins of one shard's sets.
    init(_ sets: PersonItemSets, itemCount: Int) {
        self.init(itemCount: itemCount)
        for r in 0..<sets.rowCount {
            var any = false
            for k in 0..<counts.count {
                for item in sets.items(k, row: r) {
                    counts[k][Int(item)] &+= 1
                    any = true
                }
            }
            if any { people += 1 }
        }
    }

    mutating func add(_ other: ItemMarginals) {
        people += other.people
        for k in 0..<counts.count {
            counts[k].withUnsafeMutableBufferPointer { mine in
                for i in 0..<mine.count { mine[i] &+= other.counts[k][i] }
            }
        }
    }

    func encode(into writer: inout WireWriter) {
        writer.u64(UInt64(people))
        writer.count(counts[0].count)
        for list in counts { writer.integers(list) }
    }

    static func decode(from reader: inout WireReader, itemCount: Int) throws(OmnisegError) -> ItemMarginals {
        var m = ItemMarginals(itemCount: 0)
        m.people = Int(try reader.tally())
        let n = try reader.count(limit: 1 << 30)
        guard n == itemCount else { throw reader.failure("margins for \(n) items, expected \(itemCount)") }
        m.counts = []
        for _ in HistoryKind.allCases { m.counts.append(try reader.integers(n, of: UInt32.self)) }
        return m
    }
}

/// The kept indicators: for each indicator kind and target item a, the history items b whose pair
/// with it has the highest log-likelihood ratios (descending; ties by item id), at most N each, with
/// the ratio and the pair's strength: how much more likely a target purchase of a is among people
/// with b in that history than among everyone, P(a | b) − P(a) (> 0: only pairs seen together more
/// often than chance are kept).
public struct IndicatorTable: Sendable, Equatable {
    public let itemCount: Int
    /// Per indicator kind j (``HistoryKind/indicators``): `starts[j][a] ..< starts[j][a + 1]` index
    /// `others[j]`, `ratios[j]` and `strengths[j]`.
    public var starts: [[UInt32]]
    public var others: [[UInt32]]
    public var ratios: [[Float]]
    public var strengths: [[Float]]

    private init(itemCount: Int, starts: [[UInt32]], others: [[UInt32]], ratios: [[Float]], strengths: [[Float]]) {
        self.itemCount = itemCount
        self.starts = starts
        self.others = others
        self.ratios = ratios
        self.strengths = strengths
    }

    public init(itemCount: Int) {
        self.itemCount = itemCount
        starts = [[UInt32]](repeating: [UInt32](repeating: 0, count: itemCount + 1), count: PairCounts.kinds)
        others = [[UInt32]](repeating: [], count: PairCounts.kinds)
        ratios = [[Float]](repeating: [], count: PairCounts.kinds)
        strengths = [[Float]](repeating: [], count: PairCounts.kinds)
    }

    /// The indicators of target `item` in kind j.
    public func indicators(kind j: Int, item: Int) -> [(item: Int, ratio: Float)] {
        (Int(starts[j][item])..<Int(starts[j][item + 1])).map { (Int(others[j][$0]), ratios[j][$0]) }
    }

    public var totalCount: Int { others.reduce(0) { $0 + $1.count } }

    /// Builds the table from indicator rows in any order of target (each (kind, target) at most once).
    init(itemCount: Int, rows: IndicatorRows) {
        self.init(itemCount: itemCount)
        for j in 0..<PairCounts.kinds {
            var length = [UInt32](repeating: 0, count: itemCount)
            for r in 0..<rows.targets.count where Int(rows.kinds[r]) == j { length[Int(rows.targets[r])] = rows.starts[r + 1] - rows.starts[r] }
            for a in 0..<itemCount { starts[j][a + 1] = starts[j][a] + length[a] }
            var others = [UInt32](repeating: 0, count: Int(starts[j][itemCount]))
            var ratios = [Float](repeating: 0, count: others.count)
            var strengths = ratios
            for r in 0..<rows.targets.count where Int(rows.kinds[r]) == j {
                var at = Int(starts[j][Int(rows.targets[r])])
                for e in Int(rows.starts[r])..<Int(rows.starts[r + 1]) {
                    others[at] = rows.others[e]
                    ratios[at] = rows.ratios[e]
                    strengths[at] = rows.strengths[e]
                    at += 1
                }
            }
            self.others[j] = others
            self.ratios[j] = ratios
            self.strengths[j] = strengths
        }
    }

    func encode(into writer: inout WireWriter) {
        writer.count(itemCount)
        for j in 0..<PairCounts.kinds {
            writer.count(others[j].count)
            writer.integers(starts[j])
            writer.integers(others[j])
            writer.integers(ratios[j].map(\.bitPattern))
            writer.integers(strengths[j].map(\.bitPattern))
        }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> IndicatorTable {
        let n = try reader.count(limit: 1 << 30)
        var starts: [[UInt32]] = [], others: [[UInt32]] = [], ratios: [[Float]] = [], strengths: [[Float]] = []
        for _ in 0..<PairCounts.kinds {
            let count = try reader.count(limit: 1 << 31)
            let start = try reader.integers(n + 1, of: UInt32.self)
            let other = try reader.integers(count, of: UInt32.self)
            guard start.first == 0, start.last.map(Int.init) == count else { throw reader.failure("indicator starts do not span \(count) entries") }
            if let a = (0..<n).first(where: { start[$0] > start[$0 + 1] }) { throw reader.failure("indicator starts decrease at item \(a)") }
            if let b = other.first(where: { $0 >= UInt32(n) }) { throw reader.failure("indicator item \(b) is not below \(n)") }
            starts.append(start)
            others.append(other)
            // Floats go as their bit patterns, the layout `f32s` reads.
            ratios.append(try reader.f32s(count))
            strengths.append(try reader.f32s(count))
        }
        return IndicatorTable(itemCount: n, starts: starts, others: others, ratios: ratios, strengths: strengths)
    }
}

/// Indicator rows as bucket merges produce them: (kind, target) rows with their kept items.
struct IndicatorRows: Sendable, Equatable {
    var kinds: [UInt8] = []
    var targets: [UInt32] = []
    var starts: [UInt32] = [0]
    var others: [UInt32] = []
    var ratios: [Float] = []
    var strengths: [Float] = []

    mutating func append(contentsOf other: IndicatorRows) {
        let base = UInt32(others.count)
        kinds += other.kinds
        targets += other.targets
        starts += other.starts.dropFirst().map { $0 + base }
        others += other.others
        ratios += other.ratios
        strengths += other.strengths
    }

    func encode(into writer: inout WireWriter) {
        writer.count(targets.count)
        writer.count(others.count)
        writer.integers(kinds)
        writer.integers(targets)
        writer.integers(starts)
        writer.integers(others)
        writer.integers(ratios.map(\.bitPattern))
        writer.integers(strengths.map(\.bitPattern))
    }

    /// Decodes rows; `checked` false leaves ``check(itemCount:reader:)`` to the caller (who joins
    /// several decoded parts and checks them as one).
    static func decode(from reader: inout WireReader, itemCount: Int, checked: Bool = true) throws(OmnisegError) -> IndicatorRows {
        var rows = IndicatorRows()
        let count = try reader.count(limit: 1 << 30)
        let entries = try reader.count(limit: 1 << 31)
        rows.kinds = try reader.integers(count, of: UInt8.self)
        rows.targets = try reader.integers(count, of: UInt32.self)
        rows.starts = try reader.integers(count + 1, of: UInt32.self)
        rows.others = try reader.integers(entries, of: UInt32.self)
        rows.ratios = try reader.f32s(entries)
        rows.strengths = try reader.f32s(entries)
        guard rows.starts.first == 0, rows.starts.last.map(Int.init) == entries else { throw reader.failure("indicator rows do not span \(entries) entries") }
        // Ascending starts even unchecked: parts are joined by adding an offset to them (the fuzzer
        // found a part whose middle start, near 2^32, overflowed there).
        for r in 0..<count where rows.starts[r] > rows.starts[r + 1] { throw reader.failure("indicator row starts decrease at row \(r)") }
        if checked { try rows.check(itemCount: itemCount, reader: reader) }
        return rows
    }

    /// Throws (through `reader`'s description) unless every row is in range, its starts ascend, each
    /// (kind, target) comes at most once (the table lays a target's indicators out in one run) and
    /// every item is below `itemCount`.
    func check(itemCount: Int, reader: WireReader) throws(OmnisegError) {
        let count = targets.count
        guard kinds.count == count, starts.count == count + 1, starts.last.map(Int.init) == others.count else {
            throw reader.failure("indicator rows do not span \(others.count) entries")
        }
        let rows = self
        var seen = UInt64Set(capacity: max(16, count))
        for r in 0..<count {
            guard rows.kinds[r] < PairCounts.kinds, rows.targets[r] < UInt32(itemCount), rows.starts[r] <= rows.starts[r + 1] else {
                throw reader.failure("indicator row \(r) is out of range")
            }
            guard seen.insert((UInt64(rows.kinds[r]) << 32 | UInt64(rows.targets[r])) + 1) else {
                throw reader.failure("indicator row \(r) repeats kind \(rows.kinds[r]) of item \(rows.targets[r])")
            }
        }
        for b in rows.others where b >= UInt32(itemCount) { throw reader.failure("indicator item \(b) is not below \(itemCount)") }
    }
}

/// Sums one bucket's partial pair counts (every shard's, in shard order) and keeps, per target item
/// and kind, the top-N history items by log-likelihood ratio.
struct IndicatorSelector: Sendable {
    let options: RecommendOptions
    let marginals: ItemMarginals

    /// The indicator rows of the bucket, in target order, and the distinct pairs counted. With more
    /// than one thread the targets are split into ranges of about equal pair work, selected apart and
    /// joined in order: the rows are the same whatever the threads.
    func select(_ partials: [PairCounts], itemCount: Int, threads: Int = 1) -> (rows: IndicatorRows, pairs: Int) {
        guard threads > 1 else { return select(partials, itemCount: itemCount, targets: 0..<UInt32(itemCount)) }
        var work = [Int](repeating: 0, count: itemCount)
        var total = 0
        for p in partials {
            for (t, a) in p.targets.enumerated() {
                let pairs = Int(p.starts[(t + 1) * PairCounts.kinds] - p.starts[t * PairCounts.kinds])
                work[Int(a)] += pairs
                total += pairs
            }
        }
        let parts = threads * 4
        var bounds: [UInt32] = [0]
        var sum = 0
        for item in 0..<itemCount {
            sum += work[item]
            if bounds.count < parts && sum * parts >= total * bounds.count { bounds.append(UInt32(item + 1)) }
        }
        if bounds.last != UInt32(itemCount) { bounds.append(UInt32(itemCount)) }
        let ranges = (0..<(bounds.count - 1)).map { bounds[$0]..<bounds[$0 + 1] }.filter { !$0.isEmpty }
        let selected = ParallelLoop.map(ranges.count, threads: threads) { i in select(partials, itemCount: itemCount, targets: ranges[i]) }
        var rows = IndicatorRows()
        var pairs = 0
        for part in selected {
            rows.append(contentsOf: part.rows)
            pairs += part.pairs
        }
        return (rows, pairs)
    }

    /// ``select(_:itemCount:threads:)`` for the target items in `targets`.
    private func select(_ partials: [PairCounts], itemCount: Int, targets: Range<UInt32>) -> (rows: IndicatorRows, pairs: Int) {
        var rows = IndicatorRows()
        var accumulator = [UInt32](repeating: 0, count: itemCount)
        var touched: [UInt32] = [], once: [UInt32] = []
        // Each partial from its first target in the range.
        var cursors = partials.map { p in
            var lo = 0, hi = p.targets.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if p.targets[mid] < targets.lowerBound { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        var candidates: [(ratio: Double, item: UInt32)] = []
        var pairs = 0
        var strength = [Float](repeating: 0, count: itemCount)
        let targetCounts = marginals.counts[HistoryKind.target.rawValue]
        let columnTerms = HistoryKind.indicators.map { kind in
            marginals.counts[kind.rawValue].map { LogLikelihood.columnTerm(second: Int($0), people: marginals.people) }
        }
        while true {
            // The next target item: the smallest at any cursor.
            var next = UInt32.max
            for (s, p) in partials.enumerated() where cursors[s] < p.targets.count { next = min(next, p.targets[cursors[s]]) }
            guard next < targets.upperBound else { break }
            for j in 0..<PairCounts.kinds {
                let historyCounts = marginals.counts[HistoryKind.indicators[j].rawValue]
                for (s, p) in partials.enumerated() where cursors[s] < p.targets.count && p.targets[cursors[s]] == next {
                    for e in p.range(target: cursors[s], kind: j) {
                        let b = Int(p.others[e])
                        if accumulator[b] == 0 { touched.append(UInt32(b)) }
                        accumulator[b] &+= p.counts[e]
                    }
                }
                pairs += touched.count
                candidates.removeAll(keepingCapacity: true)
                let first = Int(targetCounts[Int(next)])
                let rowTerm = LogLikelihood.rowTerm(first: first, people: marginals.people)
                func consider(_ b: UInt32, both: Int) {
                    let second = Int(historyCounts[Int(b)])
                    // Only pairs seen together more often than chance: G² is two-sided.
                    // In Int while it fits (always, for real counts); in Double for a damaged state's.
                    let (observed, o1) = both.multipliedReportingOverflow(by: marginals.people)
                    let (expected, o2) = first.multipliedReportingOverflow(by: second)
                    guard o1 || o2 ? Double(both) * Double(marginals.people) > Double(first) * Double(second) : observed > expected else { return }
                    let ratio = LogLikelihood.ratio(both: both, first: first, second: second, people: marginals.people,
                                                    row: rowTerm, column: columnTerms[j][Int(b)])
                    strength[Int(b)] = Float(Double(both) / Double(second) - Double(first) / Double(marginals.people))
                    if ratio > options.minimumRatio && ratio > 0 { candidates.append((ratio, b)) }
                }
                // Pairs seen once are most pairs, and rarely among the best: their G² is at most that of
                // an item seen once, with this target (the strongest association a single person can
                // make). Score them only if that bound could enter the top N of the others.
                for b in touched {
                    let both = Int(accumulator[Int(b)])
                    accumulator[Int(b)] = 0
                    if both == 1 { once.append(b) } else { consider(b, both: both) }
                }
                touched.removeAll(keepingCapacity: true)
                if !once.isEmpty {
                    let n = options.indicatorsPerItem
                    if candidates.count >= n {
                        Self.keepTop(&candidates, n)
                        let bound = LogLikelihood.ratio(both: 1, first: first, second: 1, people: marginals.people)
                        if bound < candidates[n - 1].ratio { once.removeAll(keepingCapacity: true) }
                    }
                    for b in once { consider(b, both: 1) }
                    once.removeAll(keepingCapacity: true)
                }
                guard !candidates.isEmpty else { continue }
                Self.keepTop(&candidates, options.indicatorsPerItem)
                rows.kinds.append(UInt8(j))
                rows.targets.append(next)
                for c in candidates {
                    rows.others.append(c.item)
                    rows.ratios.append(Float(c.ratio))
                    rows.strengths.append(strength[Int(c.item)])
                }
                rows.starts.append(UInt32(rows.others.count))
            }
            for (s, p) in partials.enumerated() where cursors[s] < p.targets.count && p.targets[cursors[s]] == next { cursors[s] += 1 }
        }
        return (rows, pairs)
    }

    /// Keeps the `n` best candidates, best first (higher ratio, then lower item id).
    static func keepTop(_ candidates: inout [(ratio: Double, item: UInt32)], _ n: Int) {
        let better: ((ratio: Double, item: UInt32), (ratio: Double, item: UInt32)) -> Bool = { $0.ratio > $1.ratio || ($0.ratio == $1.ratio && $0.item < $1.item) }
        if candidates.count > 4 * n {
            // Bounded selection: a sorted window of the n best, entered by insertion.
            var heap = Array(candidates.prefix(n))
            heap.sort(by: better)
            var worst = heap[n - 1]
            for c in candidates.dropFirst(n) where better(c, worst) {
                var i = n - 1
                while i > 0 && better(c, heap[i - 1]) { heap[i] = heap[i - 1]; i -= 1 }
                heap[i] = c
                worst = heap[n - 1]
            }
            candidates = heap
        } else {
            candidates.sort(by: better)
            if candidates.count > n { candidates.removeLast(candidates.count - n) }
        }
    }
}
