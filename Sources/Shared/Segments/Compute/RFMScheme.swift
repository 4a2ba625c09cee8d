import OmnisegCore

/// RFM quintile scores and the named RFM segments.
///
/// Only people with a purchase are scored. A score is 1 + the number of quintile cut-points at or
/// below the value, where the cut for score s (2…5) is the smallest value that at least
/// (s − 1)/5 of the scored people lie strictly below: equal values always share a score, so ties
/// never split across quintiles (a quintile can then hold more or fewer than a fifth). Recency is
/// scored on −days, so the most recent buyers get 5.
///
/// Named segments (the widely used recency × frequency grid, with FM = the mean of the F and M scores,
/// rounded half up):
///
/// | R \ FM | 1 | 2 | 3 | 4 | 5 |
/// |---|---|---|---|---|---|
/// | 5 | new | potential_loyalists | potential_loyalists | champions | champions |
/// | 4 | promising | potential_loyalists | potential_loyalists | loyal | loyal |
/// | 3 | about_to_sleep | about_to_sleep | need_attention | loyal | loyal |
/// | 2 | hibernating | hibernating | at_risk | at_risk | cant_lose |
/// | 1 | lost | hibernating | at_risk | at_risk | cant_lose |
public struct RFMScheme: Sendable, Equatable {
    /// The segment names, in the order of their codes (code 0 = not scored: no purchase).
    public static let segmentNames = ["champions", "loyal", "potential_loyalists", "new", "promising", "need_attention",
                                      "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost"]

    /// Cut-points (4 each, ascending) of −recency, frequency and monetary.
    public var recencyCuts: [Double]
    public var frequencyCuts: [Double]
    public var monetaryCuts: [Double]

    public init(recencyCuts: [Double], frequencyCuts: [Double], monetaryCuts: [Double]) {
        self.recencyCuts = recencyCuts
        self.frequencyCuts = frequencyCuts
        self.monetaryCuts = monetaryCuts
    }

    /// The cuts of the people with `frequency > 0` among the given columns.
    public init(recencyDays: [Float], frequency: [Float], monetary: [Float]) {
        var r: [Double] = [], f: [Double] = [], m: [Double] = []
        for i in frequency.indices where frequency[i] > 0 {
            r.append(-Double(recencyDays[i]))
            f.append(Double(frequency[i]))
            m.append(Double(monetary[i]))
        }
        self.init(recencyCuts: Self.cuts(r), frequencyCuts: Self.cuts(f), monetaryCuts: Self.cuts(m))
    }

    /// The four quintile cut-points of `values` (see the type's documentation).
    static func cuts(_ values: [Double]) -> [Double] {
        let sorted = values.sorted()
        let n = sorted.count
        guard n > 0 else { return [.infinity, .infinity, .infinity, .infinity] }
        var cuts: [Double] = []
        var i = 0
        for s in 2...5 {
            // The first position at or past (s − 1)·n/5 that starts a new value.
            var k = max(i, ((s - 1) * n + 4) / 5)
            while k > 0 && k < n && sorted[k] == sorted[k - 1] { k += 1 }
            cuts.append(k < n ? sorted[k] : .infinity)
            i = k
        }
        return cuts
    }

    /// 1…5 for a value against four cuts: the plain reference the vector version is tested against.
    static func score(_ value: Double, _ cuts: [Double]) -> Int {
        var s = 1
        for c in cuts where value >= c { s += 1 }
        return s
    }

    /// 1…5 for a value against four ascending cuts held in a vector (no loop, no array access).
    @inline(__always)
    static func score(_ value: Double, _ cuts: SIMD4<Double>) -> Int {
        1 + (value >= cuts[0] ? 1 : 0) + (value >= cuts[1] ? 1 : 0) + (value >= cuts[2] ? 1 : 0) + (value >= cuts[3] ? 1 : 0)
    }

    /// The cuts as vectors (−recency, frequency, monetary), for scoring many people.
    var vectors: (r: SIMD4<Double>, f: SIMD4<Double>, m: SIMD4<Double>) {
        func vector(_ cuts: [Double]) -> SIMD4<Double> { cuts.count == 4 ? SIMD4(cuts) : SIMD4(repeating: .infinity) }
        return (vector(recencyCuts), vector(frequencyCuts), vector(monetaryCuts))
    }


    /// The code (1-based index into ``segmentNames``) of the named segment for scores R and FM (1…5 each).
    @inline(__always)
    public static func segment(r: Int, fm: Int) -> Int { Int(grid[(r - 1) * 5 + (fm - 1)]) }

    /// ``segment(r:fm:)`` for every (R, FM), computed once: R-major, 25 codes.
    private static let grid: [UInt8] = (1...5).flatMap { r in (1...5).map { UInt8(named(r: r, fm: $0)) } }

    /// The grid of the type's documentation.
    private static func named(r: Int, fm: Int) -> Int {
        let name: String
        switch (r, fm) {
        case (5, 4...5): name = "champions"
        case (3...4, 4...5): name = "loyal"
        case (4...5, 2...3): name = "potential_loyalists"
        case (5, 1): name = "new"
        case (4, 1): name = "promising"
        case (3, 3): name = "need_attention"
        case (3, 1...2): name = "about_to_sleep"
        case (1...2, 3...4): name = "at_risk"
        case (1...2, 5): name = "cant_lose"
        case (1, 1): name = "lost"
        default: name = "hibernating"
        }
        return (segmentNames.firstIndex(of: name) ?? 0) + 1
    }

    /// FM: the mean of F and M, rounded half up.
    public static func frequencyMonetary(f: Int, m: Int) -> Int { (f + m + 1) / 2 }

    func encode(into writer: inout WireWriter) {
        for cuts in [recencyCuts, frequencyCuts, monetaryCuts] { for c in cuts { writer.f64(c) } }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> RFMScheme {
        var lists: [[Double]] = []
        for _ in 0..<3 {
            var cuts: [Double] = []
            for _ in 0..<4 { cuts.append(try reader.f64()) }
            guard zip(cuts, cuts.dropFirst()).allSatisfy({ $0 <= $1 }) else { throw reader.failure("RFM cut-points are not ascending") }
            lists.append(cuts)
        }
        return RFMScheme(recencyCuts: lists[0], frequencyCuts: lists[1], monetaryCuts: lists[2])
    }
}
