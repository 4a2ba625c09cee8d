/// The synthetic product catalogue: SKUs by department with power-law popularity, prices,
/// arrival dates, a running-shoe collection and co-purchase bundles (small product lines within a
/// department: bought together, and completed in later orders by people who bought from them).
struct Catalog: Sendable {
    static let departments = ["footwear", "womens", "mens", "kids", "home", "beauty", "accessories", "sports"]

    struct Product: Sendable {
        let sku: String
        let department: Int
        let priceCents: Int64
        let arrivalDay: Int
        let isRunningShoe: Bool
        let bundle: Int
        /// For a replenished product (cosmetics, household basics, socks): the days a unit lasts a
        /// typical buyer; 0 for the rest.
        let cycleDays: Int
    }

    /// Per department: the share of products that are replenished and their cycle range in days
    /// (footwear, womens, mens: basics only; beauty: most of it).
    static let replenishment: [(share: Double, days: ClosedRange<Int>)] = [
        (0.03, 150...240), (0.08, 90...180), (0.08, 90...180), (0.15, 60...120), (0.35, 45...120), (0.7, 25...60), (0.2, 60...150), (0.15, 60...150),
    ]

    let products: [Product]
    /// Per department: product indices and their cumulative popularity (for sampling).
    private let byDepartment: [[Int]]
    private let cumulative: [[Double]]
    /// Per department: product indices sorted by arrival day (for new arrivals).
    private let byArrival: [[Int]]
    private let runningShoes: [Int]
    private let bundles: [[Int]]

    init(skuCount: Int, firstDay: Int, lastDay: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed, stream: 100, index: 0)
        let departmentCount = Self.departments.count
        let basePrice: [Double] = [8000, 4500, 4500, 2500, 3000, 2000, 2500, 4000]
        var products: [Product] = []
        products.reserveCapacity(skuCount)
        let bundleCount = max(1, skuCount / 4)
        // Replenishment draws from a stream of its own: the rest of the catalogue is as before it existed.
        var cycles = SplitMix64(seed: seed, stream: 101, index: 0)
        for i in 0..<skuCount {
            let department = i % departmentCount
            let replenished = Self.replenishment[department]
            let cycle = cycles.chance(replenished.share) ? replenished.days.lowerBound + cycles.below(replenished.days.count) : 0
            let price = max(199, Int64(basePrice[department] * exp(0.5 * rng.normal())))
            // A third of the catalogue arrives during the window; the rest was there before it.
            let arrival = rng.chance(0.35) ? firstDay + rng.below(lastDay - firstDay + 1) : firstDay - 1 - rng.below(720)
            let running = department == 0 && rng.chance(0.15)
            products.append(Product(sku: "SKU\(100_000 + i)", department: department, priceCents: price / 100 * 100 + 99,
                                    arrivalDay: arrival, isRunningShoe: running,
                                    bundle: department + departmentCount * rng.below(max(1, bundleCount / departmentCount)), cycleDays: cycle))
        }
        var byDepartment = Array(repeating: [Int](), count: departmentCount)
        for (i, p) in products.enumerated() { byDepartment[p.department].append(i) }
        var cumulative: [[Double]] = []
        for list in byDepartment {
            var acc = 0.0
            cumulative.append(list.indices.map { rank in acc += 1 / pow(Double(rank + 1), 1.05); return acc })
        }
        var bundles = Array(repeating: [Int](), count: bundleCount)
        for (i, p) in products.enumerated() { bundles[p.bundle].append(i) }
        self.products = products
        self.byDepartment = byDepartment
        self.cumulative = cumulative
        self.byArrival = byDepartment.map { list in list.sorted { (products[$0].arrivalDay, $0) < (products[$1].arrivalDay, $1) } }
        self.runningShoes = products.indices.filter { products[$0].isRunningShoe }
        self.bundles = bundles
    }

    /// A product of `department` drawn by popularity.
    func popular(in department: Int, _ rng: inout SplitMix64) -> Int {
        let cdf = cumulative[department]
        let target = rng.unit() * cdf[cdf.count - 1]
        var lo = 0, hi = cdf.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] <= target { lo = mid + 1 } else { hi = mid }
        }
        return byDepartment[department][lo]
    }

    /// A product of `department` that arrived in the `days` before `day`, or nil when there is none.
    func newArrival(in department: Int, on day: Int, withinDays days: Int, _ rng: inout SplitMix64) -> Int? {
        let list = byArrival[department]
        let from = lowerBound(list, day - days)
        let to = lowerBound(list, day + 1)
        guard to > from else { return nil }
        return list[from + rng.below(to - from)]
    }

    private func lowerBound(_ list: [Int], _ day: Int) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if products[list[mid]].arrivalDay < day { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// A running shoe drawn uniformly (the collection lapsed top shoppers keep browsing).
    func runningShoe(_ rng: inout SplitMix64) -> Int {
        runningShoes.isEmpty ? popular(in: 0, &rng) : runningShoes[rng.below(runningShoes.count)]
    }

    /// Another product bought together with `product`, if its bundle has one.
    func bundlePartner(of product: Int, _ rng: inout SplitMix64) -> Int? {
        let members = bundles[products[product].bundle]
        guard members.count > 1 else { return nil }
        let pick = members[rng.below(members.count)]
        return pick == product ? nil : pick
    }
}

#if canImport(Glibc)
import Glibc
import OmnisegCore
#elseif canImport(Darwin)
import Darwin
#endif
