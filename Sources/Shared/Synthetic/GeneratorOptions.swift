import OmnisegCore

/// What to generate: how many people, from which seed, over which dates.
public struct GeneratorOptions: Sendable {
    /// Number of distinct people.
    public var people: Int
    /// The seed; the same seed gives byte-identical files.
    public var seed: UInt64
    /// First day of the history (days since 1970-01-01); default 2024-07-01.
    public var firstDay: Int
    /// Last day of the history; default 2026-06-30.
    public var lastDay: Int
    /// Days at the end that form the churn holdout window (ground truth `churned_in_holdout`).
    public var holdoutDays: Int
    /// Number of SKUs; default scales with people (2,000 to 20,000).
    public var skuCount: Int
    /// The planted co-purchase structure: the share of order lines that complete a product line
    /// (bundle) the person bought from in their latest orders. Default 0.25.
    public var collectionLoyalty: Double = 0.25
    /// How noisy the customer records' names, birth dates and addresses are. Default: standard.
    public var identityNoise: IdentityNoise = .standard
    /// Only the customer records and `truth_records.csv` (the records are the ones a full run writes:
    /// they are drawn before the person's orders and sessions, which are then not simulated).
    public var customersOnly = false

    public init(people: Int, seed: UInt64, firstDay: Int = CivilDate.daysFromCivil(year: 2024, month: 7, day: 1),
                lastDay: Int = CivilDate.daysFromCivil(year: 2026, month: 6, day: 30), holdoutDays: Int = 90, skuCount: Int? = nil) {
        self.people = people
        self.seed = seed
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.holdoutDays = holdoutDays
        self.skuCount = skuCount ?? min(20_000, max(2_000, people / 50))
    }
}

/// How hard the generated records are to link.
public enum IdentityNoise: String, Sendable, CaseIterable {
    /// A typo in one record's name in twenty; birth dates and addresses as the person's.
    case standard
    /// On top of that, per record: more typos, first and last name swapped, a nickname, a birth date
    /// with day and month swapped or one part off, a moved address (new street and postcode), and
    /// names, birth dates and addresses left out more often (drawn from their own random stream, so
    /// the orders and events are those of the standard noise).
    case hard
}

/// The files a generator run writes, by name inside the output folder.
public enum GeneratedFile: String, CaseIterable, Sendable {
    case customers = "customers.csv"
    case transactions = "transactions.csv"
    case events = "events.csv"
    case products = "products.csv"
    /// Ground truth: the true person of every source record.
    case truthRecords = "truth_records.csv"
    /// Ground truth: persona, household and churn of every person.
    case truthPeople = "truth_people.csv"
}
