import Foundation
import OmnisegCore

/// Names as a population has them: a few very common, a long tail of rare ones (Zipf: the name of
/// rank r is drawn with weight 1 / (r + offset)). The head is a list of real names; the tail is made
/// of syllables, one name per rank, so a base of millions has a realistic spread of names — a
/// matcher that treats "Smith" and a rare name alike shows it on such data.
struct NamePool: Sendable {
    let head: [String]
    private let syllables: [[String]]
    /// Cumulative weights of the ranks, the last 1.
    private let cumulative: [Double]

    /// A pool of `head` then every combination of `syllables` (one from each list, first list first).
    init(head: [String], syllables: [[String]], offset: Double) {
        self.head = head
        self.syllables = syllables
        let count = head.count + syllables.reduce(1) { $0 * $1.count }
        var running = 0.0
        var cumulative = [Double](repeating: 0, count: count)
        for r in 0..<count {
            running += 1 / (Double(r) + 1 + offset)
            cumulative[r] = running
        }
        self.cumulative = cumulative.map { $0 / running }
    }

    var count: Int { cumulative.count }

    /// The name of rank `r` (0 the most common).
    func name(_ r: Int) -> String {
        if r < head.count { return head[r] }
        var rest = r - head.count
        var parts: [String] = []
        for list in syllables.reversed() {
            parts.append(list[rest % list.count])
            rest /= list.count
        }
        return parts.reversed().joined()
    }

    /// A name drawn with its weight; takes one number from `rng`, as `rng.below(_:)` does.
    func draw(_ rng: inout SplitMix64) -> String {
        let u = rng.unit()
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return name(lo)
    }

    private static let onsets = ["Al", "Bar", "Cal", "Dor", "El", "Fen", "Gar", "Hal", "Ib", "Jor", "Kel", "Lan", "Mar", "Nor", "Or", "Pen", "Quin",
                                 "Ros", "Sal", "Tor", "Ul", "Var", "Wen", "Yar", "Zel", "Bren", "Cor", "Dal", "Fal", "Gil"]
    private static let vowels = ["", "a", "e", "i", "o", "an", "er", "in", "ol", "ur", "ab", "ed", "ig", "om", "ut", "ar", "el", "is", "on", "us"]

    /// Surnames: about 230,000 (Smith's share about 0.9 %, the 40 most common about 18 %, as in a national census).
    static let surnames = NamePool(head: SyntheticIdentity.lastNames,
                                   syllables: [onsets, vowels,
                                               ["", "b", "d", "g", "l", "m", "n", "r", "s", "t", "v", "z", "k", "p", "w", "th", "sh", "ch", "nd", "st"],
                                               ["son", "ton", "ley", "man", "field", "berg", "wood", "ford", "stein", "well", "ard", "ez", "ini", "ova",
                                                "sky", "ers", "by", "dale", "more", "ham"]],
                                   offset: 10)
    /// Given names, per sex: 20 common ones, then 6,000 rarer (the most common about 4 %).
    static let femaleNames = NamePool(head: SyntheticIdentity.femaleNames,
                                      syllables: [onsets, vowels, ["a", "ia", "ette", "ine", "elle", "ina", "ara", "issa", "ie", "ora"]], offset: 2)
    static let maleNames = NamePool(head: SyntheticIdentity.maleNames,
                                    syllables: [onsets, vowels, ["o", "an", "en", "us", "er", "iel", "on", "as", "ik", "ald"]], offset: 2)
}
