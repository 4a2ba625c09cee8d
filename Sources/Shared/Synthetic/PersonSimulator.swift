/// Writes one synthetic person: their source records (with realistic identifier noise), orders,
/// web/app events and ground truth. Deterministic in (seed, person index).
struct PersonSimulator: Sendable {
    let options: GeneratorOptions
    let catalog: Catalog

    /// The byte buffers one block of people is written into.
    struct Output {
        var customers = ByteWriter(capacity: 1 << 20)
        var transactions = ByteWriter(capacity: 4 << 20)
        var events = ByteWriter(capacity: 4 << 20)
        var truthRecords = ByteWriter(capacity: 1 << 18)
        var truthPeople = ByteWriter(capacity: 1 << 18)
    }

    private var cutoffDay: Int { options.lastDay - options.holdoutDays }

    func simulate(_ index: Int, into out: inout Output) {
        let who = SyntheticIdentity(index: index, seed: options.seed, people: options.people)
        let profile = who.persona.profile
        var rng = SplitMix64(seed: options.seed, stream: 3, index: UInt64(index))

        var hasPOS = rng.chance(profile.posChance)
        var hasWeb = rng.chance(profile.webChance)
        let hasCRM = rng.chance(profile.crmChance)
        if profile.storeShare >= 1 { hasPOS = true }
        if profile.storeShare <= 0 || who.persona == .lapsedTopShopper { hasWeb = true }
        if !hasPOS && !hasWeb { if profile.storeShare < 0.5 { hasWeb = true } else { hasPOS = true } }
        let storeShare = !hasWeb ? 1 : (!hasPOS ? 0 : profile.storeShare)

        let posID = "C" + Self.digits(SyntheticIdentity.scramble(UInt64(index), 0x27D4_EB2F), 9)
        let webID = "W" + Self.digits(SyntheticIdentity.scramble(UInt64(index), 0x1656_67B1), 9)
        let crmID = "M" + Self.digits(SyntheticIdentity.scramble(UInt64(index), 0x5851_F42D), 9)
        if hasPOS {
            writeRecord(&out, who, source: "pos", id: posID, index: index, stream: 0, &rng,
                        email: 0.7, phone: 0.7, loyalty: 1, gender: 0.9, birth: 0.5, address: 0.8, plusAddressing: false)
        }
        if hasWeb {
            writeRecord(&out, who, source: "web", id: webID, index: index, stream: 1, &rng,
                        email: 1, phone: 0.6, loyalty: 0.25, gender: 0.4, birth: 0.3, address: 0.7, plusAddressing: true)
        }
        if hasCRM {
            writeRecord(&out, who, source: "crm", id: crmID, index: index, stream: 2, &rng,
                        email: 0.85, phone: 0.8, loyalty: 0.7, gender: 0.8, birth: 0.8, address: 0.95, plusAddressing: false)
        }
        if options.customersOnly { return }

        // Activity window and churn.
        let joinDay = rng.chance(0.6) ? options.firstDay - rng.below(600) : options.firstDay + rng.below((options.lastDay - options.firstDay) * 4 / 5)
        let start = max(joinDay, options.firstDay)
        var churnDay = Int.max
        if who.persona == .lapsedTopShopper {
            churnDay = options.lastDay - 120 - rng.below(180)
        } else if rng.chance(profile.churnChance) {
            churnDay = start + 45 + rng.below(max(1, options.lastDay - start - 45))
        }
        let activeEnd = min(churnDay, options.lastDay + 1)
        let homeStore = SyntheticIdentity.cities.firstIndex(of: who.city) ?? 0
        var state = PurchaseState(replenishment: Replenishment(seed: options.seed, index: index))
        let rate = profile.ordersPerYear / 365 * exp(0.4 * rng.normal())

        var orderNumber = 0
        var t = Double(start) + rng.exponential(mean: 1 / rate)
        while Int(t) < activeEnd {
            let day = Int(t)
            let inStore = rng.chance(storeShare)
            writeOrder(&out, who, day: day, inStore: inStore, posID: posID, webID: webID, index: index,
                       number: &orderNumber, homeStore: homeStore, forcedProduct: nil, &rng, &state)
            var slowdown = 1.0
            if churnDay != Int.max && Double(churnDay) - t < 90 { slowdown = max(0.2, (Double(churnDay) - t) / 90) }
            let next = t + rng.exponential(mean: 1 / (rate * slowdown))
            // Staples that run out before the next order: a replenishment trip, or put off.
            while let due = state.replenishment.nextDue, due.day < next, Int(due.day) < activeEnd {
                var trips = state.replenishment.trips
                if trips.chance(Replenishment.tripChance) {
                    writeOrder(&out, who, day: max(day + 1, Int(due.day)), inStore: trips.chance(storeShare), posID: posID, webID: webID,
                               index: index, number: &orderNumber, homeStore: homeStore, forcedProduct: due.product, &trips, &state)
                    state.replenishment.trips = trips
                } else {
                    state.replenishment.trips = trips
                    state.replenishment.skip(due.product)
                }
            }
            t = next
        }

        // Web and app sessions: views, cart-adds, searches, logins; some views lead to store purchases.
        if hasWeb && profile.sessionsPerYear > 0 {
            let sessionRate = profile.sessionsPerYear / 365 * exp(0.4 * rng.normal())
            var s = Double(start) + rng.exponential(mean: 1 / sessionRate)
            while Int(s) <= options.lastDay {
                let day = Int(s)
                let lapsed = day >= churnDay
                writeSession(&out, who, day: day, lapsed: lapsed, webID: webID, posID: hasPOS ? posID : nil,
                             crossChannel: storeShare > 0 && day < churnDay, activeEnd: activeEnd, index: index,
                             orderNumber: &orderNumber, homeStore: homeStore, &rng, &state)
                let afterChurnFactor = lapsed && who.persona != .lapsedTopShopper ? 0.2 : 1.0
                s += rng.exponential(mean: 1 / (sessionRate * afterChurnFactor))
            }
        }

        // Ground truth for the person.
        out.truthPeople.int(index)
        out.truthPeople.comma()
        out.truthPeople.field(who.persona.description)
        out.truthPeople.comma()
        out.truthPeople.byte(who.female ? UInt8(ascii: "F") : UInt8(ascii: "M"))
        out.truthPeople.comma()
        out.truthPeople.byte(who.inHousehold ? 0x31 : 0x30)
        out.truthPeople.comma()
        if churnDay != Int.max { out.truthPeople.date(days: churnDay) }
        out.truthPeople.comma()
        if state.lastPurchaseDay >= 0 { out.truthPeople.date(days: state.lastPurchaseDay) }
        out.truthPeople.comma()
        out.truthPeople.byte(state.purchasedBeforeCutoff && !state.purchasedAfterCutoff ? 0x31 : 0x30)
        out.truthPeople.newline()
    }

    struct PurchaseState {
        /// The person's staples (drawn from streams of their own).
        var replenishment: Replenishment
        /// The products of the person's latest order lines (at most 20), for collection loyalty.
        var recentProducts: [Int] = []
        var lastPurchaseDay = -1
        var purchasedBeforeCutoff = false
        var purchasedAfterCutoff = false
    }

    // MARK: - Records

    private func writeRecord(_ out: inout Output, _ who: SyntheticIdentity, source: StaticString, id: String, index: Int, stream: UInt64,
                             _ rng: inout SplitMix64, email: Double, phone: Double, loyalty: Double, gender: Double,
                             birth: Double, address: Double, plusAddressing: Bool) {
        // Hard noise draws from a stream of its own: the standard draws below, and the orders after, stay as they are.
        var hard = options.identityNoise == .hard ? HardIdentityNoise(who, seed: options.seed, stream: stream, index: index) : nil
        var w = ByteWriter(capacity: 0)
        swap(&w, &out.customers)
        w.raw(source); w.comma()
        w.field(id); w.comma()
        if rng.chance(email) { w.field(noisyEmail(who.email, plusAddressing: plusAddressing, &rng)) }
        w.comma()
        if rng.chance(phone) { w.field(Self.formatPhone(who.phone, style: rng.below(6))) }
        w.comma()
        if rng.chance(loyalty) {
            switch rng.below(10) {
            case 0: w.field(who.loyaltyID.lowercased())
            case 1: w.field(String(who.loyaltyID.prefix(5)) + "-" + String(who.loyaltyID.dropFirst(5)))
            default: w.field(who.loyaltyID)
            }
        }
        w.comma()
        let typo = rng.chance(0.05)
        var first = typo && rng.chance(0.5) ? SyntheticIdentity.typo(who.firstName, &rng) : who.firstName
        var last = typo ? SyntheticIdentity.typo(who.lastName, &rng) : who.lastName
        hard?.names(&first, &last)
        w.field(first); w.comma()
        w.field(last); w.comma()
        if rng.chance(gender) { w.byte(who.female ? UInt8(ascii: "F") : UInt8(ascii: "M")) }
        w.comma()
        if rng.chance(birth), let day = hard == nil ? who.birthDay : hard?.birthDay() { w.date(days: day) }
        w.comma()
        if rng.chance(address), let place = hard == nil ? (who.street, who.postcode, who.city) : hard?.address() {
            w.field(place.street); w.comma()
            w.field(place.postcode); w.comma()
            w.field(place.city)
        } else {
            w.comma(); w.comma()
        }
        w.newline()
        swap(&w, &out.customers)
        out.truthRecords.raw(source)
        out.truthRecords.comma()
        out.truthRecords.field(id)
        out.truthRecords.comma()
        out.truthRecords.int(index)
        out.truthRecords.newline()
    }

    private func noisyEmail(_ email: String, plusAddressing: Bool, _ rng: inout SplitMix64) -> String {
        var e = email
        if plusAddressing && rng.chance(0.08), let at = e.firstIndex(of: "@") {
            e = e[..<at] + "+shop" + e[at...]
        }
        switch rng.below(20) {
        case 0, 1: e = e.uppercased()
        case 2, 3: e = e.prefix(1).uppercased() + e.dropFirst()
        case 4: e = " " + e + " "
        default: break
        }
        return e
    }

    /// Ten digits in one of the ways people write a US number.
    static func formatPhone(_ digits10: Int, style: Int) -> String {
        let area = digits10 / 10_000_000, exchange = digits10 / 10_000 % 1000, line = digits10 % 10_000
        let l = String(repeating: "0", count: 4 - String(line).count) + String(line)
        let x = String(repeating: "0", count: 3 - String(exchange).count) + String(exchange)
        switch style {
        case 0: return "(\(area)) \(x)-\(l)"
        case 1: return "\(area)-\(x)-\(l)"
        case 2: return "\(area).\(x).\(l)"
        case 3: return "+1 \(area) \(x) \(l)"
        case 4: return "1\(area)\(x)\(l)"
        default: return "\(area)\(x)\(l)"
        }
    }

    static func digits(_ value: UInt64, _ width: Int) -> String {
        let s = String(value)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    // MARK: - Orders

    private func department(_ weights: [Double], _ rng: inout SplitMix64) -> Int {
        var total = 0.0
        for w in weights { total += w }
        var u = rng.unit() * total
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.count - 1
    }

    private func pickProduct(_ who: SyntheticIdentity, day: Int, _ rng: inout SplitMix64) -> Int {
        let profile = who.persona.profile
        let dept = department(profile.departmentWeights, &rng)
        if rng.chance(profile.newArrivalAffinity), let fresh = catalog.newArrival(in: dept, on: day, withinDays: 45, &rng) {
            return fresh
        }
        let a = catalog.popular(in: dept, &rng)
        let b = catalog.popular(in: dept, &rng)
        let pa = catalog.products[a].priceCents, pb = catalog.products[b].priceCents
        if profile.priceTier > 1 && rng.chance(profile.priceTier - 1) { return pa >= pb ? a : b }
        if profile.priceTier < 1 && rng.chance((1 - profile.priceTier) * 2) { return pa <= pb ? a : b }
        return a
    }

    private func writeOrder(_ out: inout Output, _ who: SyntheticIdentity, day: Int, inStore: Bool, posID: String, webID: String,
                            index: Int, number: inout Int, homeStore: Int, forcedProduct: Int?,
                            _ rng: inout SplitMix64, _ state: inout PurchaseState) {
        let profile = who.persona.profile
        number += 1
        let orderID = "O\(index)-\(number)"
        let seconds = Int64(day) * 86_400 + Int64(inStore ? 32_400 + rng.below(39_600) : rng.below(86_400))
        let channel: StaticString = inStore ? "store" : (rng.chance(0.4) ? "app" : "web")
        let store = inStore ? (rng.chance(0.9) ? homeStore : rng.below(SyntheticIdentity.cities.count)) : -1
        var lines: [Int] = []
        if let forcedProduct { lines.append(forcedProduct) }
        var count = 1
        while count < 6 && rng.chance(0.45) { count += 1 }
        while lines.count < count {
            // Collection loyalty: some lines complete a product line the person bought from before.
            if !state.recentProducts.isEmpty && rng.chance(options.collectionLoyalty),
               let mate = catalog.bundlePartner(of: state.recentProducts[rng.below(state.recentProducts.count)], &rng) {
                lines.append(mate)
            } else {
                lines.append(pickProduct(who, day: day, &rng))
            }
        }
        if rng.chance(0.3), let partner = catalog.bundlePartner(of: lines[0], &rng) { lines.append(partner) }
        lines += state.replenishment.due(on: day, besides: lines)
        for product in lines {
            let p = catalog.products[product]
            let u = rng.unit()
            let quantity = u < 0.85 ? 1 : (u < 0.97 ? 2 : 3)
            let discounted = rng.chance(profile.discountChance)
            var amount = p.priceCents * Int64(quantity)
            if discounted { amount = amount * Int64(50 + rng.below(31)) / 100 }
            var w = ByteWriter(capacity: 0)
            swap(&w, &out.transactions)
            w.raw(inStore ? "pos" : "web"); w.comma()
            w.field(inStore ? posID : webID); w.comma()
            w.timestamp(seconds); w.comma()
            w.raw(channel); w.comma()
            if store >= 0 { w.raw("ST"); w.padded(store + 1, width: 3) }
            w.comma()
            w.field(orderID); w.comma()
            w.field(p.sku); w.comma()
            w.field(Catalog.departments[p.department]); w.comma()
            w.int(quantity); w.comma()
            w.cents(amount); w.comma()
            w.byte(discounted ? 0x31 : 0x30)
            w.newline()
            swap(&w, &out.transactions)
        }
        state.replenishment.bought(lines, on: day, catalog: catalog)
        state.recentProducts.append(contentsOf: lines)
        if state.recentProducts.count > 20 { state.recentProducts.removeFirst(state.recentProducts.count - 20) }
        state.lastPurchaseDay = max(state.lastPurchaseDay, day)
        if day <= cutoffDay { state.purchasedBeforeCutoff = true } else { state.purchasedAfterCutoff = true }
    }

    // MARK: - Sessions

    private func writeEvent(_ w: inout ByteWriter, webID: String, seconds: Int64, kind: StaticString, product: Int?, department: Int?) {
        w.raw("web"); w.comma()
        w.field(webID); w.comma()
        w.timestamp(seconds); w.comma()
        w.raw(kind); w.comma()
        if let product { w.field(catalog.products[product].sku) }
        w.comma()
        if let department { w.field(Catalog.departments[department]) }
        w.newline()
    }

    private func writeSession(_ out: inout Output, _ who: SyntheticIdentity, day: Int, lapsed: Bool, webID: String, posID: String?,
                              crossChannel: Bool, activeEnd: Int, index: Int, orderNumber: inout Int, homeStore: Int,
                              _ rng: inout SplitMix64, _ state: inout PurchaseState) {
        var seconds = Int64(day) * 86_400 + Int64(rng.below(80_000))
        var w = ByteWriter(capacity: 0)
        swap(&w, &out.events)
        if rng.chance(0.5) { writeEvent(&w, webID: webID, seconds: seconds, kind: "login", product: nil, department: nil) }
        let views = 1 + rng.below(4)
        var last = 0
        var storeFollowUps: [(Int, Int)] = []
        for _ in 0..<views {
            seconds += Int64(20 + rng.below(200))
            let product: Int
            if who.persona == .lapsedTopShopper && rng.chance(lapsed ? 0.7 : 0.3) {
                product = catalog.runningShoe(&rng)
            } else if who.persona == .earlyAdopter && rng.chance(0.5), let fresh = catalog.newArrival(in: rng.below(Catalog.departments.count), on: day, withinDays: 30, &rng) {
                product = fresh
            } else {
                product = pickProduct(who, day: day, &rng)
            }
            last = product
            writeEvent(&w, webID: webID, seconds: seconds, kind: "view", product: product, department: catalog.products[product].department)
            if rng.chance(0.15) {
                seconds += Int64(5 + rng.below(60))
                writeEvent(&w, webID: webID, seconds: seconds, kind: "cart_add", product: product, department: catalog.products[product].department)
            }
            if crossChannel && posID != nil && rng.chance(0.06) {
                let followDay = day + 1 + rng.below(10)
                if followDay < activeEnd { storeFollowUps.append((followDay, product)) }
            }
        }
        if rng.chance(0.1) {
            writeEvent(&w, webID: webID, seconds: seconds + 30, kind: "search", product: nil, department: catalog.products[last].department)
        }
        swap(&w, &out.events)
        if let posID {
            for (followDay, product) in storeFollowUps {
                writeOrder(&out, who, day: followDay, inStore: true, posID: posID, webID: webID, index: index,
                           number: &orderNumber, homeStore: homeStore, forcedProduct: product, &rng, &state)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
import OmnisegCore
#elseif canImport(Darwin)
import Darwin
#endif
