import OmnisegCore

/// Who a synthetic person is: persona, name, contact details, household. Derived from the seed and the
/// person's index alone, so any person (or a neighbour it copies a name from) can be recomputed.
struct SyntheticIdentity {
    /// The most common names, the heads of ``NamePool``'s pools.
    static let femaleNames = ["Anna", "Maria", "Emma", "Olivia", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia", "Harper",
                              "Evelyn", "Abigail", "Emily", "Ella", "Grace", "Chloe", "Lily", "Hannah", "Zoe", "Nora"]
    static let maleNames = ["James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Daniel",
                            "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Joshua", "Kevin", "Brian", "George"]
    static let lastNames = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
                            "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
                            "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
                            "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores"]
    static let cities = ["Springfield", "Riverton", "Lakeside", "Fairview", "Greenville", "Kingston", "Milford", "Oakdale",
                         "Ashland", "Clayton", "Dover", "Franklin", "Georgetown", "Hudson", "Madison", "Salem"]
    static let streets = ["Oak St", "Maple Ave", "Cedar Rd", "Pine St", "Elm St", "Lake Dr", "Hill Rd", "Main St", "Park Ave", "River Rd"]
    static let domains = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "mail.com", "proton.me"]

    let persona: Persona
    let female: Bool
    let firstName: String
    let lastName: String
    let birthDay: Int
    let street: String
    let postcode: String
    let city: String
    /// Ten digits, unique per person (shared within a household).
    let phone: Int
    let email: String
    let loyaltyID: String
    /// Whether this person shares a phone and address with a household partner (a distinct person).
    let inHousehold: Bool

    init(index: Int, seed: UInt64, people: Int) {
        var rng = SplitMix64(seed: seed, stream: 1, index: UInt64(index))
        persona = Persona.pick(rng.unit())
        let profile = persona.profile
        female = rng.chance(profile.femaleChance)
        var first = (female ? NamePool.femaleNames : NamePool.maleNames).draw(&rng)
        var last = NamePool.surnames.draw(&rng)
        var cityIndex = rng.below(Self.cities.count)
        var street = "\(1 + rng.below(400)) \(Self.streets[rng.below(Self.streets.count)])"
        if rng.chance(0.1) { street += ", Apt \(1 + rng.below(30))" }
        var phone = 2_000_000_000 + Int(Self.scramble(UInt64(index), 0x9E37_79B1) % 1_000_000_000)
        birthDay = -3650 - rng.below(18_000)
        // Households: pairs (2k, 2k+1) share a last name, address and phone but nothing else.
        var pairRNG = SplitMix64(seed: seed, stream: 2, index: UInt64(index / 2))
        let household = pairRNG.chance(0.03) && (index / 2) * 2 + 1 < people
        if household {
            last = NamePool.surnames.draw(&pairRNG)
            cityIndex = pairRNG.below(Self.cities.count)
            street = "\(1 + pairRNG.below(400)) \(Self.streets[pairRNG.below(Self.streets.count)])"
            phone = 2_000_000_000 + Int(Self.scramble(UInt64(index / 2 * 2), 0x9E37_79B1) % 1_000_000_000)
        }
        // Look-alikes: a distinct person whose name is one typo from the previous person's, in the same city.
        if !household && index > 0 && rng.chance(0.02), let neighbour = Self.drawnName(of: index - 1, seed: seed, people: people) {
            first = neighbour.first
            last = Self.typo(neighbour.last, &rng)
            cityIndex = neighbour.city
        }
        inHousehold = household
        firstName = first
        lastName = last
        city = Self.cities[cityIndex]
        postcode = String(10_000 + cityIndex * 500 + rng.below(500))
        self.street = street
        self.phone = phone
        let token = String(Self.scramble(UInt64(index), 0x85EB_CA77) % 1_000_000_000, radix: 36)
        email = "\(first.lowercased()).\(last.lowercased()).\(token)@\(Self.domains[rng.below(Self.domains.count)])"
        let loyalty = Self.scramble(UInt64(index), 0xC2B2_AE3D) % 1_000_000_000
        loyaltyID = "LY" + String(repeating: "0", count: 9 - String(loyalty).count) + String(loyalty)
    }

    /// The first name, last name and city index of person `index` as the initialiser draws them,
    /// or nil when that person's name is replaced by a household's.
    static func drawnName(of index: Int, seed: UInt64, people: Int) -> (first: String, last: String, city: Int)? {
        var pairRNG = SplitMix64(seed: seed, stream: 2, index: UInt64(index / 2))
        if pairRNG.chance(0.03) && (index / 2) * 2 + 1 < people { return nil }
        var rng = SplitMix64(seed: seed, stream: 1, index: UInt64(index))
        let persona = Persona.pick(rng.unit())
        let female = rng.chance(persona.profile.femaleChance)
        let first = (female ? NamePool.femaleNames : NamePool.maleNames).draw(&rng)
        let last = NamePool.surnames.draw(&rng)
        return (first, last, rng.below(cities.count))
    }

    /// A bijection on 0..<10^9 (odd multiplier coprime to 10^9), so ids derived from it never collide.
    static func scramble(_ x: UInt64, _ multiplier: UInt64) -> UInt64 {
        (x &* (multiplier | 1) &+ 12_345) % 1_000_000_000
    }

    /// `text` with one letter dropped, doubled or swapped.
    static func typo(_ text: String, _ rng: inout SplitMix64) -> String {
        var chars = Array(text)
        guard chars.count > 3 else { return text + "e" }
        let at = 1 + rng.below(chars.count - 2)
        switch rng.below(3) {
        case 0: chars.remove(at: at)
        case 1: chars.insert(chars[at], at: at)
        default: chars.swapAt(at, at + 1)
        }
        return String(chars)
    }
}
