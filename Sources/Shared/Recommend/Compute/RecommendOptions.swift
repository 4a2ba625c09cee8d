import OmnisegCore

/// The histories the recommender counts against the items it recommends: kind 0 is what it
/// recommends (purchases in the target channel), kinds 1–3 are the indicator histories.
public enum HistoryKind: Int, CaseIterable, Sendable, CustomStringConvertible {
    case target = 0
    case purchase = 1
    case view = 2
    case cartAdd = 3

    /// The indicator kinds (cross-occurrence with the target): purchase, view, cart-add.
    public static let indicators: [HistoryKind] = [.purchase, .view, .cartAdd]

    public var description: String {
        switch self {
        case .target: return "target"
        case .purchase: return "purchase"
        case .view: return "view"
        case .cartAdd: return "cart_add"
        }
    }
}

/// Where recommendations are for: what counts as the target purchase.
public enum RecommendChannel: String, Sendable, CaseIterable {
    case any
    case store
    case online

    /// Whether a purchase by `action` is a target purchase.
    public func isTarget(_ action: InteractionAction) -> Bool {
        switch self {
        case .any: return action.isPurchase
        case .store: return action == .storePurchase
        case .online: return action == .onlinePurchase
        }
    }
}

/// The `recommend` job's settings.
public struct RecommendOptions: Sendable, Equatable {
    /// Target purchases: any channel, store only, or online only (recommend for the till or the web shop).
    public var channel: RecommendChannel = .any
    /// A person's interactions counted at most (a longer history is downsampled, seeded).
    public var maxHistory = 500
    /// People counted per item and kind at most (a popular item's people are downsampled, seeded).
    public var itemCap = 10_000
    /// Indicators kept per item and kind.
    public var indicatorsPerItem = 50
    /// Indicators below this log-likelihood ratio are dropped.
    public var minimumRatio = 0.0
    /// Weights of the purchase, view and cart-add histories when scoring a person.
    public var weights: [Double] = [1, 0.5, 0.7]
    /// The most recent distinct items per history kind a person is scored from.
    public var recentItems = 50
    /// λ: how much of the base rate of an item (its share of buyers) the score counts per history
    /// item; 1 treats a history's items as independent evidence, which over-weights popularity.
    public var popularityWeight = 0.3
    /// γ: each item's whole score is divided by its base rate to this power (an IDF-like weight that
    /// lets less-bought items through: 0 keeps the scores as they are, 1 ranks by lift).
    public var popularityDamping = 0.0
    /// Targets a history item can lift when scoring: its strongest indicator links (it is an indicator
    /// of at most this many items in the person's score).
    public var fanOut = 200
    /// Recommendations per person.
    public var count = 10
    /// Recommend what the person already bought, blending in its repurchase propensity.
    public var repeats = false
    /// With ``repeats``: the share of the score that is the repurchase propensity of the person's own items.
    public var repeatWeight = 0.9
    /// Pair counts per bucket iteration the job aims for (more are split by item hash).
    public var pairsPerBucket = 64_000_000
    public var seed: UInt64 = 42
    /// Only interactions in this many days before the as-of time; nil for all.
    public var withinDays: Int?
    /// Evaluate on the target purchases in this many days after the as-of time; nil for no evaluation.
    public var holdoutDays: Int?

    public init() {}

    func encode(into writer: inout WireWriter) {
        writer.string(channel.rawValue)
        for v in [maxHistory, itemCap, indicatorsPerItem, recentItems, count, repeats ? 1 : 0, pairsPerBucket, withinDays ?? 0, holdoutDays ?? 0, fanOut] { writer.u64(UInt64(v)) }
        writer.f64(minimumRatio)
        writer.f64(repeatWeight)
        writer.f64(popularityWeight)
        for w in weights { writer.f64(w) }
        writer.u64(seed)
        writer.f64(popularityDamping)
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> RecommendOptions {
        var o = RecommendOptions()
        guard let channel = RecommendChannel(rawValue: try reader.string(limit: 16)) else { throw reader.failure("unknown recommendation channel") }
        o.channel = channel
        var values: [Int] = []
        for _ in 0..<10 { values.append(Int(try reader.tally())) }
        (o.maxHistory, o.itemCap, o.indicatorsPerItem, o.recentItems, o.count) = (values[0], values[1], values[2], values[3], values[4])
        o.repeats = values[5] == 1
        o.pairsPerBucket = max(1, values[6])
        o.withinDays = values[7] > 0 ? values[7] : nil
        o.holdoutDays = values[8] > 0 ? values[8] : nil
        o.fanOut = values[9]
        o.minimumRatio = try reader.f64()
        o.repeatWeight = try reader.f64()
        o.popularityWeight = try reader.f64()
        o.weights = [try reader.f64(), try reader.f64(), try reader.f64()]
        o.seed = try reader.u64()
        o.popularityDamping = try reader.f64()
        guard (0...1).contains(o.popularityDamping) else { throw reader.failure("popularity damping \(o.popularityDamping) is not between 0 and 1") }
        guard o.maxHistory > 0, o.itemCap > 0, o.fanOut > 0, o.indicatorsPerItem > 0, o.count > 0, o.recentItems > 0 else {
            throw reader.failure("recommendation options out of range")
        }
        return o
    }
}
