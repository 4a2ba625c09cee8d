import OmnisegCore

/// The extra noise of ``IdentityNoise/hard`` on one source record: what people and shop systems do
/// to names, birth dates and addresses. Drawn from a random stream of its own per (person, source).
struct HardIdentityNoise {
    /// Common short forms of the generator's first names.
    static let nicknames: [String: String] = [
        "William": "Bill", "Robert": "Bob", "Richard": "Rick", "Michael": "Mike", "James": "Jim", "Joseph": "Joe", "Thomas": "Tom",
        "Daniel": "Dan", "Matthew": "Matt", "Anthony": "Tony", "Steven": "Steve", "Andrew": "Andy", "Joshua": "Josh", "David": "Dave",
        "Isabella": "Bella", "Olivia": "Liv", "Abigail": "Abby", "Charlotte": "Lottie", "Amelia": "Millie", "Evelyn": "Evie",
        "Sophia": "Sophie", "Emily": "Em", "Hannah": "Annie", "Kevin": "Kev", "Brian": "Bri",
    ]

    private let who: SyntheticIdentity
    private var rng: SplitMix64

    init(_ who: SyntheticIdentity, seed: UInt64, stream: UInt64, index: Int) {
        self.who = who
        rng = SplitMix64(seed: seed, stream: 8 + stream, index: UInt64(index))
    }

    /// Names: a nickname (8 %), another typo (8 %), first and last swapped (3 %), the first name left out (3 %).
    mutating func names(_ first: inout String, _ last: inout String) {
        if rng.chance(0.08), let short = Self.nicknames[first] { first = short }
        if rng.chance(0.08) {
            if rng.chance(0.5) { first = SyntheticIdentity.typo(first, &rng) } else { last = SyntheticIdentity.typo(last, &rng) }
        }
        if rng.chance(0.03) { swap(&first, &last) }
        if rng.chance(0.03) { first = "" }
    }

    /// The birth day, or nil when left out (25 %); 3 % with day and month swapped (where both are
    /// months), 3 % with the day one off.
    mutating func birthDay() -> Int? {
        if rng.chance(0.25) { return nil }
        let (y, m, d) = CivilDate.civilFromDays(who.birthDay)
        if rng.chance(0.03), d <= 12, d != m { return CivilDate.daysFromCivil(year: y, month: d, day: m) }
        if rng.chance(0.03) { return who.birthDay + (d > 1 ? -1 : 1) }
        return who.birthDay
    }

    /// The address, or nil when left out (15 %); 10 % moved: another street and number, another
    /// postcode, in the same city or (a third of them) another one.
    mutating func address() -> (street: String, postcode: String, city: String)? {
        if rng.chance(0.15) { return nil }
        guard rng.chance(0.10) else { return (who.street, who.postcode, who.city) }
        var cityIndex = SyntheticIdentity.cities.firstIndex(of: who.city) ?? 0
        if rng.chance(1.0 / 3) { cityIndex = rng.below(SyntheticIdentity.cities.count) }
        let street = "\(1 + rng.below(400)) \(SyntheticIdentity.streets[rng.below(SyntheticIdentity.streets.count)])"
        return (street, String(10_000 + cityIndex * 500 + rng.below(500)), SyntheticIdentity.cities[cityIndex])
    }
}
