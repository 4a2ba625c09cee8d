@testable import Matching
import OmnisegCore
import Testing

/// Term-frequency adjustment of name agreement, and λ as a random pair's prior.
@Suite struct TermFrequencyTests {
    /// 400 people: 150 named Smith (one record each, plus a second record for the first 50), 10
    /// Millers, and 240 of names no one else has; first names from a pool of 20.
    static func population() -> (records: [MatchRecord], people: [Int]) {
        var records: [MatchRecord] = [], people: [Int] = []
        for p in 0..<400 {
            let last = p < 150 ? "Smith" : p < 160 ? "Miller" : "Rare\(p)name"
            let record = MatchRecord(firstName: "first\(p % 20)", lastName: last, birthDate: "1970-01-\(String(format: "%02d", 1 + p % 28))")
            records.append(record)
            people.append(p)
            if p < 50 {
                records.append(record)
                people.append(p)
            }
        }
        return (records, people)
    }

    @Test func namesAreClassedByTheirShareOfPeopleAndAgreementIsSumOfSquares() throws {
        let (records, people) = Self.population()
        let tf = TermFrequencies(records: records, people: people)
        let smith = MatchRecord.key(Array("smith".utf8)), miller = MatchRecord.key(Array("miller".utf8))
        let rare = MatchRecord.key(Array("rare300name".utf8))
        // Shares of the 400 people: Smith 150 (counted once per person, not per record), Miller 10, the rest 1.
        #expect(tf.classOf[1][smith] == 3 && tf.classOf[1][miller] == 3, "150/400 and 10/400 are both ≥ 1 in 100")
        #expect(tf.classOf[1][rare] == 2, "1/400 is ≥ 1 in 1,000")
        #expect(tf.classOf(1, key: MatchRecord.key(Array("nobody".utf8))) == 0, "a name the table does not list is rare")
        #expect(TermFrequencies.level(similarity: 0, class: tf.classOf(1, key: smith)) == 3, "an exact agreement is its value's class")
        #expect(TermFrequencies.level(similarity: 2, class: 3) == 2 + UInt8(TermFrequencies.classes - 1), "inexact levels come after the classes")
        #expect(TermFrequencies.level(similarity: FieldComparison.missing, class: 0) == FieldComparison.missing)
        let total = 400.0 * 399
        #expect(abs(tf.agreement[1][3] - (150 * 149 + 10 * 9) / total) < 1e-15, "two different people agreeing on a very common name")
        #expect(tf.agreement[1][2] == 0, "no two people share a rare name")
        // Twenty first names, 20 people each: 1 in 20 is very common.
        #expect(abs(tf.agreement[0][3] - 20 * 20 * 19 / total) < 1e-15)

        // u of the exact levels is the agreement; the other levels keep their sampled proportions.
        let u = tf.adjusted(ProbabilisticLinker.fields.map { f in (0..<f.levels).map { _ in 1 / Double(f.levels) } })
        #expect(abs(u[1].reduce(0, +) - 1) < 1e-12 && u[1][3] == tf.agreement[1][3])
        #expect(abs(u[1][4] - u[1][8]) < 1e-15, "sampled levels scaled alike")
        #expect(u[2] == [0.25, 0.25, 0.25, 0.25], "birth dates are not adjusted")
    }

    @Test func agreeingOnARareNameWeighsMoreThanOnSmith() throws {
        let (records, people) = Self.population()
        let linker = ProbabilisticLinker(options: MatchOptions())
        let tf = TermFrequencies(records: records, people: people)
        var model = MatchModel(fields: ProbabilisticLinker.fields, u: linker.uFromRandomPairs(records, frequencies: tf), frequencies: tf)
        model.m = ProbabilisticLinker.fields.map { f in (0..<f.levels).map { $0 < TermFrequencies.classes ? 0.2 : 0.2 / Double(f.levels) } }
        let smiths = ProbabilisticLinker.compare(records[0], MatchRecord(firstName: "other", lastName: "Smith"), tf)
        #expect(smiths.level(1) == 3)
        let different = ProbabilisticLinker.compare(records[250], MatchRecord(firstName: "other", lastName: "Quill"), tf)
        #expect(different.level(1) == UInt8(ProbabilisticLinker.fields[1].levels - 1), "two rare names, different")
        let same = ProbabilisticLinker.compare(MatchRecord(firstName: "x", lastName: "Rare300name"), MatchRecord(firstName: "y", lastName: "Rare300name"), tf)
        #expect(same.level(1) == 2)
        #expect(model.weights(same)[1] > model.weights(smiths)[1] + 3, "a name 1 in 400 agrees for more than one 150 in 400 do")

        // The table travels with the model and a version-1 model (before the table) still reads.
        #expect(try MatchModel(decoding: model.encoded) == model)
        var old = model.encoded
        old.replaceSubrange(7..<9, with: [1, 0])
        let v1 = try MatchModel(decoding: Array(old.prefix(Self.version1Length(model))))
        #expect(v1.frequencies == TermFrequencies() && v1.m == model.m && v1.u == model.u)
    }

    /// The length of `model`'s encoding without the frequency table (what version 1 wrote).
    static func version1Length(_ model: MatchModel) -> Int {
        var writer = WireWriter(capacity: 64)
        model.frequencies.encode(into: &writer)
        return model.encoded.count - writer.bytes.count
    }

    @Test func lambdaIsTheMatchesShareOfEveryPairOfDifferentPeople() throws {
        let (records, people) = Self.population()
        // 450 comparable records; the 50 people with two records make 50 pairs that are not candidates.
        #expect(MatchPlan.population(records, people: people) == 450 * 449 / 2 - 50)
        var model = MatchModel(fields: [("name", 2)], u: [[1e-6, 1 - 1e-6]])
        model.m = [[0.9, 0.1]]
        // 100 candidates agreeing (likelihood ratio 900,000), 900 not, among a million pairs.
        let counts = [ComparisonPattern(levels: [0]): 100, ComparisonPattern(levels: [1]): 900]
        var candidatesOnly = model
        candidatesOnly.estimate(counts, updatingM: false)
        model.estimate(counts, population: 1_000_000, updatingM: false)
        #expect(model.lambda < 1e-3 && candidatesOnly.lambda > 0.01, "\(model.lambda) against \(candidatesOnly.lambda)")
        let p = model.probability(ComparisonPattern(levels: [0]))
        let matched = 100 * p + 900 * model.probability(ComparisonPattern(levels: [1]))
        #expect(abs(matched / 1_000_000 - model.lambda) / model.lambda < 1e-6, "λ is the expected matches over the population at the fixed point")

        // 10M records make 5·10¹³ pairs: the state carries it (a row count could not).
        let state = MatchState(linkThreshold: 0.5, reviewThreshold: 0.05, estimateM: false, fitted: false,
                               model: MatchModel(fields: ProbabilisticLinker.fields, u: ProbabilisticLinker.fields.map { f in (0..<f.levels).map { _ in 1 / Double(f.levels) } }),
                               records: 10_000_000, fingerprint: 7, blocksSkipped: 0, candidates: 0, population: 10_000_000 * 9_999_999 / 2)
        #expect(try MatchState(decoding: state.encoded) == state)
    }
}
