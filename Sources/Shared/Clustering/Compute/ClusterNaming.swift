/// Names for clusters from the features that set each apart most ("frequent, discount-driven"):
/// each clustered feature whose centroid lies at least ``threshold`` standard deviations from the
/// mean gives a phrase for its direction; a cluster's name is the phrases of its two most distinct
/// features (a third, then the cluster number, where two clusters would share a name).
public enum ClusterNaming {
    /// The least |z| of a feature for it to name a cluster.
    public static let threshold = 0.5

    /// The phrase for `feature` lying above (`high`) or below the mean, and its topic (a cluster's name
    /// says one thing per topic: frequent online spend and visits are one "online").
    static func phrase(_ feature: String, high: Bool) -> (phrase: String, topic: String) {
        if feature.hasPrefix("dept_share_") {
            let department = feature.dropFirst("dept_share_".count).replacingOccurrences(of: "_", with: " ")
            return (high ? "\(department)-focused" : "little \(department)", "dept:" + department)
        }
        let known: [String: (high: String, low: String, topic: String)] = [
            "recency_days": ("lapsed", "recent", "recency"),
            "frequency": ("frequent", "infrequent", "frequency"),
            "monetary": ("high-spending", "low-spending", "spend"),
            "avg_order_value": ("large baskets", "small baskets", "basket"),
            "store_recency_days": ("not in store lately", "recently in store", "store"),
            "store_frequency": ("frequent in store", "rarely in store", "store"),
            "store_monetary": ("high store spend", "low store spend", "store"),
            "online_recency_days": ("not online lately", "recently online", "online"),
            "online_frequency": ("frequent online", "rarely online", "online"),
            "online_monetary": ("high online spend", "low online spend", "online"),
            "online_share": ("online-first", "store-first", "online"),
            "app_share": ("app users", "no app", "app"),
            "tenure_days": ("long-standing", "new", "tenure"),
            "discount_share": ("discount-driven", "full-price", "discount"),
            "new_arrival_share": ("new-arrival seekers", "not after new arrivals", "new arrivals"),
            "views_30d": ("browsing now", "not browsing", "browsing"), "views_90d": ("browsing", "not browsing", "browsing"),
            "cart_adds_30d": ("filling carts", "no cart adds", "browsing"), "cart_adds_90d": ("filling carts", "no cart adds", "browsing"),
            "logins_30d": ("logging in", "not logging in", "browsing"), "logins_90d": ("logging in", "not logging in", "browsing"),
            "searches_90d": ("searching", "not searching", "browsing"),
            "distinct_departments": ("broad baskets", "one-department", "breadth"),
            "purchase_interval_days": ("long gaps", "short gaps", "interval"),
            "overdue_ratio": ("overdue", "on schedule", "overdue"),
            "orders_90d": ("active lately", "quiet lately", "lately"), "spend_90d": ("spending lately", "quiet lately", "lately"),
            "orders_prior_90d": ("active before", "quiet before", "before"), "spend_prior_90d": ("spending before", "quiet before", "before"),
            "order_trend_90d": ("buying more", "buying less", "trend"), "spend_trend_90d": ("spending more", "spending less", "trend"),
        ]
        if let words = known[feature] { return (high ? words.high : words.low, words.topic) }
        let readable = feature.replacingOccurrences(of: "_", with: " ")
        return ((high ? "high " : "low ") + readable, feature)
    }

    /// A name per cluster of `result`, unique within it.
    public static func names(_ result: ClusterResult) -> [String] {
        let d = result.dimension
        let phrases: [[String]] = (0..<result.k).map { j in
            var ranked = (0..<d).map { (feature: $0, z: result.centroids[j * d + $0]) }.filter { abs($0.z) >= threshold }
            ranked.sort { abs($0.z) > abs($1.z) || (abs($0.z) == abs($1.z) && $0.feature < $1.feature) }
            var said: Set<String> = [], out: [String] = []
            for entry in ranked {
                let p = phrase(result.featureNames[entry.feature], high: entry.z > 0)
                guard said.insert(p.topic).inserted else { continue }
                out.append(p.phrase)
            }
            return out.isEmpty ? ["typical"] : out
        }
        var names = phrases.map { $0.prefix(2).joined(separator: ", ") }
        func shared(_ names: [String]) -> [Int] { names.indices.filter { j in names.filter { $0 == names[j] }.count > 1 } }
        for j in shared(names) { names[j] = phrases[j].prefix(3).joined(separator: ", ") }
        for j in shared(names) { names[j] += " (\(j))" }
        return names
    }
}
