import OmnisegCore

/// What a `segment` job found: each segment's size, every combination of segments that occurs
/// (the people in exactly those segments, UpSet-style) with their revenue and churn risk, and
/// optionally each segment's members.
public struct SegmentResult: Sendable, Equatable {
    /// One combination: the people in exactly the segments of `mask` (bit i = segment i).
    public struct Combination: Sendable, Equatable {
        public var mask: UInt32
        public var people: Int
        /// The sum of their `monetary` feature.
        public var revenue: Double
        /// The sum of their churn probabilities, over the `scored` of them with one.
        public var churnSum: Double
        public var scored: Int

        public var meanChurnRisk: Double? { scored > 0 ? churnSum / Double(scored) : nil }
    }

    public var names: [String]
    public var rules: [String]
    public var people: Int
    public var featureSetID: Int64
    public var asOf: Int64
    /// Per segment: its size.
    public var counts: [Int]
    /// The combinations with at least one person, by mask (the people in no segment have mask 0).
    public var combinations: [Combination]
    /// Per segment, its members over all the feature set's rows (empty unless asked for).
    public var members: [PersonBitset]

    static let magic: [UInt8] = Array("OMSEGR".utf8)
    static let version: UInt16 = 1

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 256 + members.reduce(0) { $0 + $1.words.count * 8 })
        writer.raw(Self.magic)
        writer.u16(Self.version)
        writer.u64(UInt64(people))
        writer.i64(featureSetID)
        writer.i64(asOf)
        writer.count(names.count)
        for (name, rule) in zip(names, rules) {
            writer.string(name)
            writer.string(rule)
        }
        for c in counts { writer.u64(UInt64(c)) }
        SegmentCombinations.encode(combinations, into: &writer)
        writer.count(members.count)
        for m in members { writer.integers(m.words) }
        return writer.bytes
    }

    public init(names: [String], rules: [String], people: Int, featureSetID: Int64, asOf: Int64, counts: [Int],
                combinations: [Combination], members: [PersonBitset]) {
        self.names = names
        self.rules = rules
        self.people = people
        self.featureSetID = featureSetID
        self.asOf = asOf
        self.counts = counts
        self.combinations = combinations
        self.members = members
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "segment result")
        guard try reader.bytes(Self.magic.count) == Self.magic, try reader.u16() == Self.version else { throw reader.failure("not a segment result of this version") }
        people = Int(try reader.tally())
        featureSetID = try reader.i64()
        asOf = try reader.i64()
        let n = try reader.count(limit: SegmentJob.maximumSegments)
        names = []
        rules = []
        for _ in 0..<n {
            names.append(try reader.string())
            rules.append(try reader.string(limit: 1 << 20))
        }
        counts = []
        for _ in 0..<n { counts.append(Int(try reader.tally())) }
        combinations = try SegmentCombinations.decode(from: &reader, segments: n)
        let memberCount = try reader.count(limit: n)
        members = []
        for _ in 0..<memberCount {
            members.append(try PersonBitset(words: try reader.integers((people + 63) / 64, of: UInt64.self), count: people))
        }
        try reader.expectEnd()
    }
}

/// Combination tallies: dense while counting (one slot per mask), sparse on the wire.
struct SegmentCombinations {
    var people: [Int]
    var revenue: [Double]
    var churnSum: [Double]
    var scored: [Int]

    init(segments: Int) {
        let slots = 1 << segments
        people = [Int](repeating: 0, count: slots)
        revenue = [Double](repeating: 0, count: slots)
        churnSum = revenue
        scored = people
    }

    var list: [SegmentResult.Combination] {
        people.indices.filter { people[$0] > 0 }.map {
            SegmentResult.Combination(mask: UInt32($0), people: people[$0], revenue: revenue[$0], churnSum: churnSum[$0], scored: scored[$0])
        }
    }

    mutating func add(_ c: SegmentResult.Combination) {
        let m = Int(c.mask)
        people[m] += c.people
        revenue[m] += c.revenue
        churnSum[m] += c.churnSum
        scored[m] += c.scored
    }

    static func encode(_ list: [SegmentResult.Combination], into writer: inout WireWriter) {
        writer.count(list.count)
        for c in list {
            writer.u32(c.mask)
            writer.u64(UInt64(c.people))
            writer.f64(c.revenue)
            writer.f64(c.churnSum)
            writer.u64(UInt64(c.scored))
        }
    }

    static func decode(from reader: inout WireReader, segments: Int) throws(OmnisegError) -> [SegmentResult.Combination] {
        let n = try reader.count(limit: 1 << segments)
        var list: [SegmentResult.Combination] = []
        for _ in 0..<n {
            let mask = try reader.u32()
            guard mask < 1 << segments, mask > (list.last?.mask ?? 0) || list.isEmpty else { throw reader.failure("combination masks are not ascending below 2^\(segments)") }
            list.append(SegmentResult.Combination(mask: mask, people: Int(try reader.tally()), revenue: try reader.f64(),
                                                  churnSum: try reader.f64(), scored: Int(try reader.tally())))
        }
        return list
    }
}
