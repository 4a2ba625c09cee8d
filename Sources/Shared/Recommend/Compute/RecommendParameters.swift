import JobRuntime
import OmnisegCore

/// The parameters of the `recommend` job, each declared once; defaults are ``RecommendOptions``'.
public enum RecommendParameters {
    private static let defaults = RecommendOptions()

    public static let channel = Parameter<String?>.choice(
        "channel", RecommendChannel.allCases.map(\.rawValue), shown: defaults.channel.rawValue,
        help: "Target purchases: online recommends for the web shop from all behaviour, store for the till.")
    public static let level = Parameter<String?>.choice("level", ItemLevel.allCases.map(\.rawValue), shown: ItemLevel.item.rawValue,
                                                        help: "Recommend items (SKUs) or departments.")
    public static let withinDays = Parameter<Int?>.integer(
        "within_days", in: 1...36_500, shown: "every day", help: "Only interactions in this many days before the as-of date.")
    public static let count = Parameter.integer("n", in: 1...1000, default: defaults.count, option: "count", help: "Suggestions per person.")
    public static let repeats = Parameter.flag(
        "repeats", help: "Suggest what people already bought too, ranked by the chance they buy it again soon: the item's repeat rate across people, their purchase days of it and how far into their usual gap for it they are (groceries, consumables).")
    public static let repeatWeight = Parameter.decimal(
        "repeat_weight", in: 0...1, default: defaults.repeatWeight, help: "With repeats: the share of the score that is the repurchase chance of the person's own items (the rest is the co-occurrence score, scaled to the best); recommend evaluate chooses it on a validation slice unless given.")
    public static let top = Parameter.integer("top", in: 1...10_000, default: defaults.indicatorsPerItem, help: "Indicators kept per item and history kind.")
    public static let minimumRatio = Parameter.decimal(
        "min_llr", in: 0...1e12, default: defaults.minimumRatio, help: "Minimum log-likelihood ratio of a kept indicator.")
    public static let weights = Parameter<String?>.text(
        "weights", shape: "three numbers from 0 to 1000 separated by commas", shown: defaults.weights.map(ParameterValue.shown).joined(separator: ","),
        help: "Weight of purchase, view and cart-add histories.")
    public static let recent = Parameter.integer(
        "recent", in: 1...100_000, default: defaults.recentItems, help: "Most recent distinct items per history kind a person is scored from.")
    public static let maxHistory = Parameter.integer(
        "max_history", in: 1...1_000_000, default: defaults.maxHistory,
        help: "Interactions per person counted at most (longer histories are downsampled, seeded).")
    public static let itemCap = Parameter.integer(
        "item_cap", in: 1...100_000_000, default: defaults.itemCap, help: "People per item counted at most (seeded downsampling of the most popular items).")
    public static let popularityWeight = Parameter.decimal(
        "popularity_weight", in: 0...100, default: defaults.popularityWeight, help: "Share of an item's base rate (share of buyers) counted per history item.")
    public static let popularityDamping = Parameter.decimal(
        "popularity_damping", in: 0...1, default: defaults.popularityDamping,
        help: "γ: divide each item's score by its share of buyers to this power, so less-bought items get through (0: off; 1: rank by lift); recommend evaluate chooses it on a validation slice unless given.")
    public static let holdoutDays = Parameter<Int?>.integer(
        "holdout_days", in: 1...3650, shown: "no evaluation",
        help: "Evaluate on the purchases in this many days after the feature set's as-of date: precision, recall and MAP against popularity.")
    public static let fanOut = Parameter.integer(
        "fan_out", in: 1...10_000_000, default: defaults.fanOut, help: "Targets one history item can lift when scoring a person: its strongest indicator links.")
    public static let pairsPerBucket = Parameter.integer(
        "pairs_per_bucket", in: 1...Int(Int32.max), default: defaults.pairsPerBucket,
        help: "Item pairs one counting iteration holds at most (more buckets, smaller merges).")
    public static let seed = Parameter.integer("seed", in: 0...Int(Int32.max), default: Int(defaults.seed), help: "Seed of the downsampling.")

    public static let schema = ParameterSchema([
        channel.spec, level.spec, withinDays.spec, count.spec, repeats.spec, repeatWeight.spec, top.spec, minimumRatio.spec, weights.spec,
        recent.spec, maxHistory.spec, itemCap.spec, popularityWeight.spec, popularityDamping.spec, holdoutDays.spec, fanOut.spec, pairsPerBucket.spec, seed.spec])

    /// The options and item level `parameters` give.
    static func options(_ parameters: JobParameters) throws(OmnisegError) -> (RecommendOptions, ItemLevel) {
        var o = RecommendOptions()
        if let text = try parameters.value(channel), let c = RecommendChannel(rawValue: text) { o.channel = c }
        let itemLevel = try parameters.value(level).flatMap(ItemLevel.init(rawValue:)) ?? .item
        o.withinDays = try parameters.value(withinDays)
        o.maxHistory = try parameters.value(maxHistory)
        o.itemCap = try parameters.value(itemCap)
        o.indicatorsPerItem = try parameters.value(top)
        o.minimumRatio = try parameters.value(minimumRatio)
        if let text = try parameters.value(weights) {
            let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, parts.allSatisfy({ $0.map { $0.isFinite && (0...1000).contains($0) } ?? false }) else {
                throw ParameterSpec.invalid(weights.name, text, weights.spec.value.expectation + " (purchase,view,cart-add)")
            }
            o.weights = parts.map { $0 ?? 0 }
        }
        o.recentItems = try parameters.value(recent)
        o.count = try parameters.value(count)
        o.repeats = try parameters.value(repeats)
        o.repeatWeight = try parameters.value(repeatWeight)
        o.fanOut = try parameters.value(fanOut)
        o.popularityWeight = try parameters.value(popularityWeight)
        o.popularityDamping = try parameters.value(popularityDamping)
        o.pairsPerBucket = try parameters.value(pairsPerBucket)
        o.seed = UInt64(try parameters.value(seed))
        o.holdoutDays = try parameters.value(holdoutDays)
        return (o, itemLevel)
    }
}
