/// A model's match probability per comparison pattern, worked out the first time a pattern is seen
/// (one slot per pattern, as ``PatternCounts``): scoring a pair is then a lookup.
package struct PatternProbabilities {
    package let model: MatchModel
    private var slots = [Double](repeating: -1, count: PatternCounts.size)

    package init(_ model: MatchModel) { self.model = model }

    /// The probability that two records of `pattern` are one person.
    @inline(__always)
    package mutating func probability(_ pattern: ComparisonPattern) -> Double {
        let slot = PatternCounts.slot(pattern)
        if slots[slot] < 0 { slots[slot] = model.probability(pattern) }
        return slots[slot]
    }
}
