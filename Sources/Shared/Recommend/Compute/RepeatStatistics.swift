import Foundation
import OmnisegCore

/// How items are bought again, across people (the survey counts it): per item, the people with a
/// target purchase of it, those who bought it on two days or more, and the sum of those repeat
/// buyers' mean gaps between purchases in days. Purchases of one item on one day count once.
struct RepeatStatistics: Sendable, Equatable {
    var buyers: [UInt32]
    var repeaters: [UInt32]
    var gapDays: [Double]

    init(itemCount: Int) {
        buyers = [UInt32](repeating: 0, count: itemCount)
        repeaters = [UInt32](repeating: 0, count: itemCount)
        gapDays = [Double](repeating: 0, count: itemCount)
    }

    /// The statistics of one shard's people.
    init(_ shard: InteractionShard, options: RecommendOptions, itemCount: Int) {
        self.init(itemCount: itemCount)
        var purchases: [(item: UInt32, day: Int32)] = []
        for r in 0..<shard.rowCount {
            purchases.removeAll(keepingCapacity: true)
            for i in shard.range(ofRow: r) {
                guard let action = InteractionAction(rawValue: shard.actions[i]), options.channel.isTarget(action),
                      Int(shard.items[i]) < itemCount else { continue }
                purchases.append((shard.items[i], shard.days[i]))
            }
            purchases.sort { ($0.item, $0.day) < ($1.item, $1.day) }
            var start = 0
            while start < purchases.count {
                let item = purchases[start].item
                var end = start, days = 0
                while end < purchases.count && purchases[end].item == item {
                    if end == start || purchases[end].day != purchases[end - 1].day { days += 1 }
                    end += 1
                }
                buyers[Int(item)] &+= 1
                if days >= 2 {
                    repeaters[Int(item)] &+= 1
                    gapDays[Int(item)] += RepurchasePropensity.meanGap(first: purchases[start].day, last: purchases[end - 1].day, days: days)
                }
                start = end
            }
        }
    }

    mutating func add(_ other: RepeatStatistics) {
        for i in buyers.indices {
            buyers[i] &+= other.buyers[i]
            repeaters[i] &+= other.repeaters[i]
            gapDays[i] += other.gapDays[i]
        }
    }

    /// The share of the item's buyers who bought it again, smoothed towards ½ by one of each.
    func repeatRate(_ item: Int) -> Double { (Double(repeaters[item]) + 1) / (Double(buyers[item]) + 2) }

    /// The repeat buyers' mean gap between purchases of the item, in days (nil: nobody bought it twice).
    func meanGap(_ item: Int) -> Double? { repeaters[item] > 0 ? gapDays[item] / Double(repeaters[item]) : nil }

    func encode(into writer: inout WireWriter) {
        writer.count(buyers.count)
        writer.integers(buyers)
        writer.integers(repeaters)
        for g in gapDays { writer.f64(g) }
    }

    static func decode(from reader: inout WireReader, itemCount: Int) throws(OmnisegError) -> RepeatStatistics {
        let n = try reader.count(limit: 1 << 30)
        guard n == itemCount else { throw reader.failure("repeat statistics for \(n) items, expected \(itemCount)") }
        var s = RepeatStatistics(itemCount: 0)
        s.buyers = try reader.integers(n, of: UInt32.self)
        s.repeaters = try reader.integers(n, of: UInt32.self)
        s.gapDays = []
        s.gapDays.reserveCapacity(n)
        for _ in 0..<n {
            let g = try reader.f64()
            guard g.isFinite, g >= 0 else { throw reader.failure("a repeat gap sum of \(g) days") }
            s.gapDays.append(g)
        }
        for i in 0..<n where s.repeaters[i] > s.buyers[i] {
            throw reader.failure("item \(i) has \(s.repeaters[i]) repeat buyers of \(s.buyers[i]) buyers")
        }
        return s
    }
}

/// The chance a person buys one of their own items again within `horizon` days after `today`: the
/// purchases of an item are a renewal process whose gaps are lognormal around the person's mean gap
/// for it (the item's mean gap across repeat buyers when the person bought it on one day only), so
/// the chance is that of the next gap ending in (elapsed, elapsed + horizon] given it is longer than
/// elapsed; times the chance the person buys it again at all (the item's repeat rate after one
/// purchase day, n / (n + 1) after n), and a fade once the item is more than twice overdue.
enum RepurchasePropensity {
    /// The spread of the gaps (σ of their logarithm).
    static let spread = 0.5
    /// The gap assumed when nobody bought the item twice.
    static let defaultGap = 60.0
    /// The days ahead a recommendation is for, outside an evaluation (whose horizon is its window).
    static let defaultHorizon = 30

    /// The mean gap in days between `days` (≥ 2) purchase days from `first` to `last` — in Double: the
    /// days come from a blob and their difference may not fit Int32.
    static func meanGap(first: Int32, last: Int32, days: Int) -> Double {
        (Double(last) - Double(first)) / Double(days - 1)
    }

    static func of(days: Int, first: Int32, last: Int32, today: Int32, horizon: Int, repeatRate: Double, itemGap: Double?) -> Double {
        let gap = max(1, days >= 2 ? meanGap(first: first, last: last, days: days) : itemGap ?? defaultGap)
        // In Double: the days come from a blob and may be anywhere in Int32.
        let elapsed = max(0, Double(today) - Double(last))
        let again = days >= 2 ? Double(days) / Double(days + 1) : repeatRate
        let survival = { (t: Double) -> Double in
            guard t > 0 else { return 1 }
            return 0.5 * erfc((log(t) - log(gap) + spread * spread / 2) / (spread * 2.0.squareRoot()))
        }
        let alive = survival(elapsed)
        let within = alive > 1e-12 ? (alive - survival(elapsed + Double(max(1, horizon)))) / alive : 1
        let fade = elapsed > 2 * gap ? exp(-(elapsed - 2 * gap) / gap) : 1
        return again * within * fade
    }
}
