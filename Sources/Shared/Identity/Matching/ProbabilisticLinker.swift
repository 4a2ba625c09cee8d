import Foundation
import OmnisegCore

/// Options of the probabilistic matcher.
public struct MatchOptions: Sendable, Equatable {
    /// A candidate pair whose match probability is at least this is linked. High, because the
    /// probabilities of blocked pairs run high: u comes from random pairs, which rarely agree on the
    /// fields a block already shares (on generated data, 0.99 linked 1.7 % wrong pairs, 0.9999 none).
    public var linkThreshold: Double = 0.9999
    /// Pairs from this probability up to the link threshold are listed for review, not linked.
    public var reviewThreshold: Double = 0.5
    /// Blocks larger than this are left out (a common name in a big city would make every pair a candidate).
    public var maxBlock: Int = 64
    /// Random pairs compared to estimate u.
    public var randomPairs: Int = 200_000
    /// Seeds the random pairs: the same records and seed give the same model.
    public var seed: UInt64 = 1
    /// Whether EM re-estimates m too. Default: m stays as measured on the pairs the exact rules
    /// joined and EM estimates λ; re-estimating m let EM settle on "pairs in one block" as its
    /// matches on generated data (pairwise precision 0.969 and 0.959 on two generated sets, against
    /// 1.000 with m kept).
    public var estimateM = false

    public init() {}
}

/// The fields the matcher compares, normalized: lower-case, accents folded, spaces trimmed.
public struct MatchRecord: Sendable, Equatable {
    public private(set) var firstName: [UInt8] = []
    public private(set) var lastName: [UInt8] = []
    public private(set) var birthDate: CivilDay?
    public private(set) var street: [UInt8] = []
    public private(set) var postcode: [UInt8] = []
    public private(set) var city: [UInt8] = []
    /// The street's words (``FieldComparison/words(_:)``), sorted: worked out once per record, not per pair.
    private(set) var streetWords: [UInt64] = []
    /// The formal names the first name is a form of (``Nicknames``), sorted; empty for most names.
    private(set) var nameForms: [Int32] = []

    public init(firstName: String? = nil, lastName: String? = nil, birthDate: String? = nil, street: String? = nil, postcode: String? = nil,
                city: String? = nil) {
        self.firstName = Self.normalized(firstName)
        self.lastName = Self.normalized(lastName)
        self.birthDate = birthDate.flatMap { CivilDay(iso: $0) }
        self.street = Self.normalized(street)
        self.postcode = Self.normalized(postcode).filter { $0 != 0x20 }
        self.city = Self.normalized(city)
        streetWords = self.street.withUnsafeBytes { FieldComparison.words($0) }.sorted()
        nameForms = self.firstName.withUnsafeBytes { Nicknames.forms(of: $0) }
    }

    /// Lower-case, accents folded, spaces and tabs trimmed. ASCII text (most of it) is done byte by
    /// byte; the rest through Foundation's folding.
    static func normalized(_ text: String?) -> [UInt8] {
        guard var text else { return [] }
        let ascii = text.withUTF8 { bytes -> [UInt8]? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            var start = 0, end = bytes.count
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return bytes[start..<end].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        }
        if let ascii { return ascii }
        return Array(text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
            .trimmingCharacters(in: .whitespaces).utf8)
    }

    /// Whether there is enough to compare: a last name and one more field.
    var isComparable: Bool { !lastName.isEmpty && (!firstName.isEmpty || birthDate != nil || !postcode.isEmpty) }
}

/// Fellegi–Sunter matching of records the exact rules left apart: blocking rules (OR-ed) make the
/// candidate pairs, each pair's fields are compared in levels, u comes from random pairs and m and λ
/// from EM over the candidates' pattern counts, and a pair is linked at or above the link
/// threshold (listed for review between the review and link thresholds).
public struct ProbabilisticLinker {
    public static let fields: [(name: String, levels: Int)] = [
        ("first_name", FieldComparison.nameLevels), ("last_name", FieldComparison.nameLevels), ("birth_date", FieldComparison.dateLevels),
        ("street", FieldComparison.streetLevels), ("postcode", FieldComparison.exactLevels), ("city", FieldComparison.exactLevels),
    ]
    /// The blocking rules, by name: records in one block on any of them are compared.
    public static let blockingRules = ["postcode+first_initial", "last_soundex+birth_year", "both_names_in_either_order"]

    public let options: MatchOptions

    public init(options: MatchOptions = MatchOptions()) { self.options = options }

    /// A candidate pair and what the model says of it.
    public struct Scored: Sendable, Equatable {
        public let a: Int, b: Int
        public let pattern: ComparisonPattern
        public let probability: Double
    }

    /// What the matcher found.
    public struct Outcome: Sendable {
        public var model: MatchModel
        public var candidates = 0
        public var blocksSkipped = 0
        /// Pairs at or above the link threshold, by probability (highest first), then by records.
        public var links: [Scored] = []
        /// Pairs in the review band.
        public var review: [Scored] = []
    }

    /// The comparison pattern of records `a` and `b`.
    public static func compare(_ a: MatchRecord, _ b: MatchRecord) -> ComparisonPattern {
        func two<T>(_ x: [UInt8], _ y: [UInt8], _ f: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> T) -> T {
            x.withUnsafeBytes { p in y.withUnsafeBytes { q in f(p, q) } }
        }
        var first = two(a.firstName, b.firstName) { x, y in FieldComparison.name(x, y) { Nicknames.related(a.nameForms, b.nameForms) } }
        var last = two(a.lastName, b.lastName, FieldComparison.name)
        // First and last name swapped on one record (a form filled in the wrong order): both as near-exact.
        if first != 0 || last != 0, !a.firstName.isEmpty, !a.lastName.isEmpty, a.firstName == b.lastName, a.lastName == b.firstName {
            (first, last) = (1, 1)
        }
        return ComparisonPattern(levels: [
            first, last,
            FieldComparison.birthDate(a.birthDate, b.birthDate), FieldComparison.street(words: a.streetWords, b.streetWords),
            two(a.postcode, b.postcode, FieldComparison.exact), two(a.city, b.city, FieldComparison.exact),
        ])
    }

    /// Matches `records`; `people[i]` is record i's person so far (records of one person are not
    /// candidates, and their pairs are how m starts).
    public func match(_ records: [MatchRecord], people: [Int]) -> Outcome {
        let sameSet = { (i: Int, j: Int) in people[i] == people[j] }
        let (pairs, skipped) = candidatePairs(records, sameSet: sameSet)
        var counts: [ComparisonPattern: Int] = [:]
        var patterns: [ComparisonPattern] = []
        patterns.reserveCapacity(pairs.count)
        for pair in pairs {
            let p = Self.compare(records[Int(pair >> 32)], records[Int(pair & 0xFFFF_FFFF)])
            patterns.append(p)
            counts[p, default: 0] += 1
        }
        var model = MatchModel(fields: Self.fields, u: uFromRandomPairs(records))
        // EM starts from the levels of pairs the exact rules already joined (records of one person by
        // e-mail or loyalty id): without that start it can settle on "pairs in one block" as its matches.
        if let known = knownMatchShares(records, people: people) { model.m = known }
        model.estimate(counts, updatingM: options.estimateM)
        var outcome = Outcome(model: model, candidates: pairs.count, blocksSkipped: skipped)
        for (pair, pattern) in zip(pairs, patterns) {
            let probability = model.probability(pattern)
            let scored = Scored(a: Int(pair >> 32), b: Int(pair & 0xFFFF_FFFF), pattern: pattern, probability: probability)
            if probability >= options.linkThreshold { outcome.links.append(scored) } else if probability >= options.reviewThreshold { outcome.review.append(scored) }
        }
        let order: (Scored, Scored) -> Bool = { ($0.probability, $1.a, $1.b) > ($1.probability, $0.a, $0.b) }
        outcome.links.sort(by: order)
        outcome.review.sort(by: order)
        return outcome
    }

    /// Record pairs (i < j, packed i << 32 | j, ascending) in one block of any rule, and the blocks skipped as too large.
    func candidatePairs(_ records: [MatchRecord], sameSet: (Int, Int) -> Bool) -> ([UInt64], Int) {
        var pairs = Set<UInt64>()
        var skipped = 0
        for rule in Self.blockingRules.indices {
            var blocks: [[UInt8]: [Int]] = [:]
            for (i, r) in records.enumerated() where r.isComparable {
                if let key = Self.blockingKey(rule, r) { blocks[key, default: []].append(i) }
            }
            for members in blocks.values where members.count > 1 {
                guard members.count <= options.maxBlock else { skipped += 1; continue }
                for x in 0..<members.count {
                    for y in (x + 1)..<members.count where !sameSet(members[x], members[y]) {
                        pairs.insert(UInt64(members[x]) << 32 | UInt64(members[y]))
                    }
                }
            }
        }
        return (pairs.sorted(), skipped)
    }

    /// Record `r`'s key under blocking rule `rule`, or nil when it lacks the fields.
    static func blockingKey(_ rule: Int, _ r: MatchRecord) -> [UInt8]? {
        switch rule {
        case 0:
            guard !r.postcode.isEmpty, let initial = r.firstName.first else { return nil }
            return [0] + r.postcode + [0x1F, initial]
        case 1:
            guard let year = r.birthDate?.year else { return nil }
            let code = r.lastName.withUnsafeBytes { Soundex.code($0) }
            return [1] + withUnsafeBytes(of: code.littleEndian, Array.init) + withUnsafeBytes(of: Int32(year).littleEndian, Array.init)
        default:
            guard !r.firstName.isEmpty else { return nil }
            let (x, y) = r.firstName.lexicographicallyPrecedes(r.lastName) ? (r.firstName, r.lastName) : (r.lastName, r.firstName)
            return [2] + x + [0x1F] + y
        }
    }

    /// m's starting point: the level shares of record pairs already one person (at most
    /// `randomPairs` of them, people in order of their first record), or nil when there are none.
    func knownMatchShares(_ records: [MatchRecord], people: [Int]) -> [[Double]]? {
        var members: [Int: [Int]] = [:]
        var order: [Int] = []
        for i in records.indices where records[i].isComparable {
            if members[people[i]] == nil { order.append(people[i]) }
            members[people[i], default: []].append(i)
        }
        var counts: [ComparisonPattern: Int] = [:]
        var pairs = 0
        for person in order {
            guard let group = members[person], group.count > 1 else { continue }
            for x in 0..<group.count {
                for y in (x + 1)..<group.count where pairs < options.randomPairs {
                    counts[Self.compare(records[group[x]], records[group[y]]), default: 0] += 1
                    pairs += 1
                }
            }
        }
        return counts.isEmpty ? nil : MatchModel.levelShares(counts, fields: Self.fields)
    }

    /// u per field and level from `randomPairs` random record pairs (seeded; almost all are of two people).
    func uFromRandomPairs(_ records: [MatchRecord]) -> [[Double]] {
        var counts: [ComparisonPattern: Int] = [:]
        let comparable = records.indices.filter { records[$0].isComparable }
        if comparable.count >= 2 {
            var rng = SplitMix64(seed: options.seed)
            for _ in 0..<options.randomPairs {
                let i = comparable[rng.below(comparable.count)], j = comparable[rng.below(comparable.count)]
                guard i != j else { continue }
                counts[Self.compare(records[i], records[j]), default: 0] += 1
            }
        }
        return MatchModel.levelShares(counts, fields: Self.fields)
    }
}
