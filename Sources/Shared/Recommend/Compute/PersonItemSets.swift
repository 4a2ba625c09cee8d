/// Per person of one shard, the distinct items of each ``HistoryKind`` (sorted), after the seeded
/// downsampling of long histories and of very popular items — what co-occurrence counting reads.
///
/// Downsampling is a pure function of (seed, person row, interaction or item), so every worker
/// keeps the same interactions whatever the sharding of tasks.
struct PersonItemSets {
    let rowStart: Int
    /// Per kind: `offsets[k][r] ..< offsets[k][r + 1]` index `items[k]`.
    var offsets: [[UInt32]]
    var items: [[UInt32]]

    var rowCount: Int { offsets[0].count - 1 }

    /// The sets of `shard`'s people. `itemCounts` (per kind, people per item before the item cap) turns
    /// the per-item cap on; nil keeps every item (the survey pass that counts them).
    init(_ shard: InteractionShard, options: RecommendOptions, itemCounts: [[UInt32]]?) {
        rowStart = shard.rowStart
        let kinds = HistoryKind.allCases.count
        var offsets = [[UInt32]](repeating: [0], count: kinds)
        var items = [[UInt32]](repeating: [], count: kinds)
        for k in 0..<kinds {
            offsets[k].reserveCapacity(shard.rowCount + 1)
            items[k].reserveCapacity(shard.interactionCount / 2)
        }
        var scratch = [[UInt32]](repeating: [], count: kinds)
        let keepAll = UInt64.max
        for r in 0..<shard.rowCount {
            let range = shard.range(ofRow: r)
            let row = UInt64(shard.rowStart + r)
            let keep = range.count > options.maxHistory ? UInt64(Double(UInt64.max) * (Double(options.maxHistory) / Double(range.count))) : keepAll
            for k in 0..<kinds { scratch[k].removeAll(keepingCapacity: true) }
            for i in range {
                if keep != keepAll && Self.hash(options.seed, row, UInt64(i - range.lowerBound), 0) > keep { continue }
                let item = shard.items[i]
                guard let action = InteractionAction(rawValue: shard.actions[i]) else { continue }
                switch action {
                case .storePurchase, .onlinePurchase:
                    scratch[HistoryKind.purchase.rawValue].append(item)
                    if options.channel.isTarget(action) { scratch[HistoryKind.target.rawValue].append(item) }
                case .view: scratch[HistoryKind.view.rawValue].append(item)
                case .cartAdd: scratch[HistoryKind.cartAdd.rawValue].append(item)
                }
            }
            for k in 0..<kinds {
                scratch[k].sort()
                var previous = UInt32.max
                for item in scratch[k] where item != previous {
                    previous = item
                    if let itemCounts {
                        let people = Int(itemCounts[k][Int(item)])
                        if people > options.itemCap {
                            let keepItem = UInt64(Double(UInt64.max) * (Double(options.itemCap) / Double(people)))
                            if Self.hash(options.seed, row, UInt64(item), UInt64(k + 1)) > keepItem { continue }
                        }
                    }
                    items[k].append(item)
                }
                offsets[k].append(UInt32(items[k].count))
            }
        }
        self.offsets = offsets
        self.items = items
    }

    /// Row r's items of kind k.
    @inline(__always)
    func items(_ k: Int, row r: Int) -> ArraySlice<UInt32> { items[k][Int(offsets[k][r])..<Int(offsets[k][r + 1])] }

    /// A 64-bit hash of the seed and three values (SplitMix64's finaliser, chained).
    @inline(__always)
    static func hash(_ seed: UInt64, _ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        mix(mix(mix(seed ^ a) ^ b) ^ c)
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
