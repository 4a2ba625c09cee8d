import Kernels
@testable import Matching
import OmnisegCore
import Testing

/// The probabilistic matcher's pure parts: string similarity, phonetic codes, comparison levels and
/// the Fellegi–Sunter model with its EM estimate.
@Suite struct MatchingTests {
    func bytes<T>(_ a: String, _ b: String, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> T) -> T {
        var x = a, y = b
        return x.withUTF8 { p in y.withUTF8 { q in body(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(q)) } }
    }

    @Test func jaroWinklerMatchesTheTextbookValues() {
        // Winkler's examples (to three places).
        for (a, b, expected) in [("martha", "marhta", 0.961), ("dwayne", "duane", 0.840), ("dixon", "dicksonx", 0.813), ("jones", "johnson", 0.832)] {
            let s = JaroWinkler.similarity(a, b)
            #expect(abs(s - expected) < 0.0005, "\(a)/\(b): \(s)")
            #expect(s == JaroWinkler.similarity(b, a), "symmetric")
        }
        #expect(JaroWinkler.similarity("ann", "ann") == 1)
        #expect(JaroWinkler.similarity("abc", "xyz") == 0)
        #expect(JaroWinkler.similarity("", "") == 1 && JaroWinkler.similarity("a", "") == 0)
        // Past 64 bytes only the prefix counts, and nothing traps.
        let long = String(repeating: "ab", count: 100)
        #expect(JaroWinkler.similarity(long, long + "zzz") == 1)
    }

    /// Every kernel variant this CPU runs makes the portable loop's greedy choice, so the similarity is
    /// the same bits: strings of a small alphabet (many equal bytes), 0 to 70 bytes (past AVX2's 32 and
    /// the 64 compared), and near-copies with a byte changed, dropped or swapped.
    @Test func jaroWinklerKernelVariantsAgreeBitForBit() {
        var rng = SplitMix64(seed: 11)
        func text(_ length: Int) -> [UInt8] { (0..<length).map { _ in UInt8(0x61 + rng.below(5)) } }
        var checked = 0
        for _ in 0..<20_000 {
            let a = text(rng.below(71))
            var b = rng.chance(0.5) ? a : text(rng.below(71))
            if !b.isEmpty, rng.chance(0.5) {
                let at = rng.below(b.count)
                switch rng.below(3) {
                case 0: b[at] = UInt8(0x61 + rng.below(26))
                case 1: b.remove(at: at)
                default: if at + 1 < b.count { b.swapAt(at, at + 1) }
                }
            }
            let portable = a.withUnsafeBytes { x in b.withUnsafeBytes { y in JaroWinkler.similarity(x, y, variant: .portable) } }
            for variant in KernelVariant.supportedHere where variant != .portable {
                let fast = a.withUnsafeBytes { x in b.withUnsafeBytes { y in JaroWinkler.similarity(x, y, variant: variant) } }
                #expect(fast.bitPattern == portable.bitPattern, "\(variant): \(String(decoding: a, as: UTF8.self)) / \(String(decoding: b, as: UTF8.self))")
                checked += 1
            }
        }
        #expect(checked > 0 || KernelVariant.supportedHere == [.portable], "a SIMD variant was compared on this CPU")
    }

    /// The banded Levenshtein distance of every variant equals the textbook dynamic programme (capped
    /// at limit + 1), on strings of 0 to 70 bytes and limits 0 to 3 and unbounded.
    @Test func levenshteinVariantsAgreeWithTheTextbookDistance() {
        var rng = SplitMix64(seed: 12)
        func text(_ length: Int) -> [UInt8] { (0..<length).map { _ in UInt8(0x61 + rng.below(4)) } }
        for _ in 0..<10_000 {
            let a = text(rng.below(71))
            var b = rng.chance(0.5) ? a : text(rng.below(71))
            for _ in 0..<rng.below(3) where !b.isEmpty { b[rng.below(b.count)] = UInt8(0x61 + rng.below(6)) }
            if rng.chance(0.3), !b.isEmpty { b.remove(at: rng.below(b.count)) }
            let exact = a.withUnsafeBytes { x in b.withUnsafeBytes { y in Levenshtein.textbook(x, y) } }
            for limit in [0, 1, 2, 3, 200] {
                for variant in KernelVariant.supportedHere {
                    let d = a.withUnsafeBytes { x in b.withUnsafeBytes { y in Levenshtein.distance(x, y, limit: limit, variant: variant) } }
                    #expect(d == min(exact, limit + 1), "\(variant) limit \(limit): \(String(decoding: a, as: UTF8.self)) / \(String(decoding: b, as: UTF8.self))")
                }
            }
        }
        #expect(Levenshtein.distance("kitten", "sitting", limit: 10) == 3 && Levenshtein.distance("", "abc", limit: 10) == 3)
        #expect(Levenshtein.distance("flaw", "lawn", limit: 1) == 2, "capped at limit + 1")
        #expect(bytes("maria", "mario", FieldComparison.name) == 1 && bytes("jo", "joe", FieldComparison.name) == 2, "one edit counts from 5 bytes")
    }

    @Test func soundexGroupsNamesThatSoundAlike() {
        #expect(Soundex.text("Robert") == "R163" && Soundex.text("Rupert") == "R163")
        #expect(Soundex.text("Tymczak") == "T522" && Soundex.text("Pfister") == "P236" && Soundex.text("Ashcraft") == "A261")
        #expect(Soundex.text("Lee") == "L000" && Soundex.text("123") == "0")
    }

    @Test func fieldsCompareInLevelsAndMissingIsNoEvidence() {
        #expect(bytes("catherine", "catherine", FieldComparison.name) == 0)
        #expect(bytes("catherine", "catherin", FieldComparison.name) == 1)
        #expect(bytes("smith", "smyth", FieldComparison.name) == 1, "JW 0.893, but one substitution in 5 bytes")
        #expect(bytes("smith", "smythe", FieldComparison.name) == 3, "JW 0.86 and two edits: the Soundex level")
        #expect(bytes("ann", "dan", FieldComparison.name) == 5, "one edit, but short names stay on Jaro-Winkler (0.56)")
        #expect(bytes("smith", "schmidt", FieldComparison.name) == 3, "JW 0.74, but both are S530")
        #expect(bytes("jones", "johnson", FieldComparison.name) == 4, "JW 0.83; J520 against J525")
        #expect(bytes("ann", "bob", FieldComparison.name) == 5)
        #expect(bytes("", "bob", FieldComparison.name) == FieldComparison.missing)
        let day = CivilDay(iso: "1980-04-07")
        #expect(FieldComparison.birthDate(day, CivilDay(iso: "1980-04-07")) == 0)
        #expect(FieldComparison.birthDate(day, CivilDay(iso: "1980-07-04")) == 1, "day and month swapped")
        #expect(FieldComparison.birthDate(day, CivilDay(iso: "1981-04-07")) == 1, "one field off")
        #expect(FieldComparison.birthDate(day, CivilDay(iso: "1980-11-20")) == 2, "the year only")
        #expect(FieldComparison.birthDate(day, CivilDay(iso: "1975-01-02")) == 3)
        #expect(FieldComparison.birthDate(day, nil) == FieldComparison.missing)
        #expect(CivilDay(iso: "1980-13-01") == nil && CivilDay(iso: "19800401") == nil)
        #expect(bytes("12 Oak St", "12 oak st", FieldComparison.street) == 0, "the same words, any case")
        #expect(bytes("12 Oak Street", "12 Oak St", FieldComparison.street) == 1)
        #expect(bytes("4 Elm Road", "12 Oak St", FieldComparison.street) == 2)
        #expect(bytes("97301", "97301", FieldComparison.exact) == 0 && bytes("97301", "97302", FieldComparison.exact) == 1)
        #expect(bytes("", "97302", FieldComparison.exact) == FieldComparison.missing)
    }

    /// Short forms of first names and first and last names written the wrong way round.
    @Test func nicknamesAndSwappedNamesCompareAsNearlyTheSame() {
        #expect(bytes("bill", "william", FieldComparison.firstName) == 3, "a short form: the Soundex level")
        #expect(bytes("bob", "bobby", FieldComparison.firstName) <= 3 && bytes("bob", "rob", FieldComparison.firstName) == 3, "two forms of Robert")
        #expect(bytes("bill", "william", FieldComparison.name) == 4, "last names know no nicknames: only the Jaro-Winkler band")
        #expect(bytes("bill", "mike", FieldComparison.firstName) == 5)
        let a = MatchRecord(firstName: "Anna", lastName: "Lopez", birthDate: "1980-04-07")
        let swapped = MatchRecord(firstName: "Lopez", lastName: "Anna", birthDate: "1980-04-07")
        let pattern = ProbabilisticLinker.compare(a, swapped, TermFrequencies())
        let nearlyExact = UInt8(TermFrequencies.classes)  // the first level past the exact ones: Jaro-Winkler ≥ 0.92
        #expect(pattern.level(0) == nearlyExact && pattern.level(1) == nearlyExact && pattern.level(2) == 0)
        #expect(ProbabilisticLinker.blockingKey(2, a) == ProbabilisticLinker.blockingKey(2, swapped), "both names in either order block together")
        let other = MatchRecord(firstName: "Lopez", lastName: "Maria", birthDate: "1980-04-07")
        #expect(ProbabilisticLinker.compare(a, other, TermFrequencies()).level(0) == nearlyExact + 4, "only a full swap counts: different")
    }

    @Test func patternsPackLevelsAndMissingFields() {
        let p = ComparisonPattern(levels: [0, 3, FieldComparison.missing, 1])
        #expect(p.level(0) == 0 && p.level(1) == 3 && p.level(2) == FieldComparison.missing && p.level(3) == 1)
        #expect(ComparisonPattern(levels: [0, 3, FieldComparison.missing, 1]) == p)
    }

    static let fields: [(name: String, levels: Int)] = [("first_name", 2), ("last_name", 3), ("birth_date", 2)]
    static let trueM: [[Double]] = [[0.95, 0.05], [0.80, 0.15, 0.05], [0.90, 0.10]]
    static let trueU: [[Double]] = [[0.10, 0.90], [0.01, 0.09, 0.90], [0.20, 0.80]]

    /// Pattern counts of `pairs` pairs drawn from the true model, a share `lambda` of them matches,
    /// each field missing one time in ten.
    static func sample(pairs: Int, lambda: Double, seed: UInt64) -> [ComparisonPattern: Int] {
        var rng = SplitMix64(seed: seed)
        var counts: [ComparisonPattern: Int] = [:]
        func draw(_ shares: [Double]) -> UInt8 {
            var x = rng.unit()
            for (level, share) in shares.enumerated() {
                x -= share
                if x < 0 { return UInt8(level) }
            }
            return UInt8(shares.count - 1)
        }
        for _ in 0..<pairs {
            let match = rng.chance(lambda)
            let levels = fields.indices.map { f -> UInt8 in rng.chance(0.1) ? FieldComparison.missing : draw(match ? trueM[f] : trueU[f]) }
            counts[ComparisonPattern(levels: levels), default: 0] += 1
        }
        return counts
    }

    @Test func emRecoversTheMatchParametersAndIsDeterministic() {
        let u = MatchModel.levelShares(Self.sample(pairs: 200_000, lambda: 0, seed: 1), fields: Self.fields)
        for f in Self.fields.indices { for l in u[f].indices { #expect(abs(u[f][l] - Self.trueU[f][l]) < 0.01, "u[\(f)][\(l)]") } }
        let candidates = Self.sample(pairs: 200_000, lambda: 0.3, seed: 2)
        var model = MatchModel(fields: Self.fields, u: u)
        model.estimate(candidates)
        #expect(abs(model.lambda - 0.3) < 0.02, "λ \(model.lambda)")
        for f in Self.fields.indices { for l in model.m[f].indices { #expect(abs(model.m[f][l] - Self.trueM[f][l]) < 0.03, "m[\(f)][\(l)] \(model.m[f][l])") } }
        var again = MatchModel(fields: Self.fields, u: u)
        again.estimate(candidates)
        #expect(again == model, "the same counts give the same model")
        // Agreement raises the weight, disagreement lowers it, a missing field does nothing.
        let agree = ComparisonPattern(levels: [0, 0, 0]), differ = ComparisonPattern(levels: [1, 2, 1])
        #expect(model.weight(agree) > 8 && model.weight(differ) < -5)
        #expect(model.weight(ComparisonPattern(levels: [0, 0, FieldComparison.missing])) == model.weights(agree)[0] + model.weights(agree)[1])
        #expect(model.probability(agree) > 0.99 && model.probability(differ) < 0.01)
    }
}
