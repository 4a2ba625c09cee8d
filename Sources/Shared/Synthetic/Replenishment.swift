import OmnisegCore

/// A person's staples: replenished products (``Catalog/Product/cycleDays``) they took to, each with
/// its own cycle, due again when it runs out. Modelled on the shapes grocery logs show (the Instacart
/// 2017 orders: most basket lines are reorders, the chance of reordering grows with every earlier
/// purchase, and the gap between purchases of one product clusters around that product's cycle):
/// after a first purchase a person adopts a replenished product with some chance, then buys it about
/// once per personal cycle (lognormal around the product's), in a regular order when one falls due
/// or on a replenishment trip of its own; each purchase makes skipping it less likely.
///
/// Draws come from streams of their own, so a person's regular orders and sessions are those of a
/// generator without staples.
struct Replenishment {
    struct Staple {
        var product: Int
        /// The person's cycle for the product, in days.
        var interval: Double
        /// The day it runs out.
        var due: Double
        var purchases: Int
    }

    /// Whether the person replenishes at all (some buy everything once).
    let replenishes: Bool
    private(set) var staples: [Staple] = []
    /// Adoption, cycles and which due staples an order takes.
    private var rng: SplitMix64
    /// Replenishment trips: their timing, channel and baskets.
    var trips: SplitMix64

    static let adoption = 0.45
    static let maximumStaples = 6
    static let tripChance = 0.6

    init(seed: UInt64, index: Int) {
        var rng = SplitMix64(seed: seed, stream: 8, index: UInt64(index))
        replenishes = rng.chance(0.75)
        self.rng = rng
        trips = SplitMix64(seed: seed, stream: 9, index: UInt64(index))
    }

    /// The staples an order on `day` takes along besides `lines` (those due, or nearly: a person tops
    /// up a little early), each moved to its next due day.
    mutating func due(on day: Int, besides lines: [Int]) -> [Int] {
        var taken: [Int] = []
        for i in staples.indices where Double(day) >= staples[i].due - 0.15 * staples[i].interval {
            // Loyalty grows with every purchase: 70 % after the first, up to 95 %.
            guard rng.chance(min(0.95, 0.6 + 0.1 * Double(staples[i].purchases))) else {
                staples[i].due = Double(day) + 0.3 * staples[i].interval
                continue
            }
            if !lines.contains(staples[i].product) && !taken.contains(staples[i].product) { taken.append(staples[i].product) }
        }
        return taken
    }

    /// Records an order of `products` on `day`: staples among them move to their next due day; a
    /// replenished product bought for the first time may become a staple.
    mutating func bought(_ products: [Int], on day: Int, catalog: Catalog) {
        for product in products {
            if let i = staples.firstIndex(where: { $0.product == product }) {
                staples[i].purchases += 1
                staples[i].due = Double(day) + staples[i].interval * exp(0.25 * rng.normal())
                continue
            }
            let cycle = catalog.products[product].cycleDays
            guard replenishes, cycle > 0, staples.count < Self.maximumStaples, rng.chance(Self.adoption) else { continue }
            let interval = max(7, Double(cycle) * exp(0.3 * rng.normal()))
            staples.append(Staple(product: product, interval: interval, due: Double(day) + interval, purchases: 1))
        }
    }

    /// The earliest due day of a staple, if any.
    var nextDue: (day: Double, product: Int)? {
        staples.min { ($0.due, $0.product) < ($1.due, $1.product) }.map { ($0.due, $0.product) }
    }

    /// Puts off the staple of `product` by one cycle (the person skipped the trip).
    mutating func skip(_ product: Int) {
        guard let i = staples.firstIndex(where: { $0.product == product }) else { return }
        staples[i].due += staples[i].interval
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
