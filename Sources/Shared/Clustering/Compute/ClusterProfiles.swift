/// Marketing profiles of a clustering: per cluster its share of people and revenue, mean recency,
/// frequency and spend, channel mix, the departments it over-buys, and a descriptive label built
/// from them ("high-value omnichannel · footwear"), and a name from its most distinguishing clustered
/// features ("frequent online, discount-driven"). Features the set lacks are left out.
public struct ClusterProfiles {
    public struct Cluster {
        public var share: Double
        public var revenueShare: Double
        public var recency: Double?
        public var frequency: Double?
        public var monetary: Double?
        /// Shares of people buying in store only, online only, both, or not at all.
        public var channelShares: [Double]
        /// Departments bought at least 1.3 times the overall share, by lift (at most two).
        public var topDepartments: [(name: String, lift: Double)]
        public var label: String
        /// From the features that set the cluster apart most, unique in the clustering (``ClusterNaming``).
        public var name: String
    }

    public let clusters: [Cluster]

    public init(_ result: ClusterResult) {
        let k = result.k
        let all = result.profileNames.count
        let total = Double(max(1, result.counts.reduce(0, +)))
        func column(_ name: String) -> Int? { result.profileNames.firstIndex(of: name) }
        func mean(_ j: Int, _ c: Int) -> Double { result.profileMeans[j * all + c] }
        func overall(_ c: Int) -> Double { (0..<k).reduce(0.0) { $0 + mean($1, c) * Double(result.counts[$1]) } / total }
        let monetary = column("monetary"), recency = column("recency_days"), frequency = column("frequency")
        let views = column("views_30d"), discount = column("discount_share")
        let departments = result.profileNames.indices.filter { result.profileNames[$0].hasPrefix("dept_share_") }
        let revenue = monetary.map { m in (0..<k).map { mean($0, m) * Double(result.counts[$0]) } } ?? Array(repeating: 0, count: k)
        let totalRevenue = revenue.reduce(0, +)
        let channelCount = ClusterResult.channelNames.count
        let names = ClusterNaming.names(result)

        clusters = (0..<k).map { j in
            let people = Double(max(1, result.counts[j]))
            let shares = (0..<channelCount).map { Double(result.channels[j * channelCount + $0]) / people }
            var lifts: [(name: String, lift: Double)] = []
            for c in departments {
                let base = overall(c)
                guard base > 0 else { continue }
                let lift = mean(j, c) / base
                if lift >= 1.3 { lifts.append((String(result.profileNames[c].dropFirst("dept_share_".count)), lift)) }
            }
            lifts.sort { $0.lift > $1.lift || ($0.lift == $1.lift && $0.name < $1.name) }
            var words: [String] = []
            if let m = monetary {
                let ratio = overall(m) > 0 ? mean(j, m) / overall(m) : 1
                words.append(ratio >= 2 ? "top-value" : ratio >= 1.3 ? "high-value" : ratio <= 0.5 ? "low-value" : "mid-value")
            }
            if let r = recency, overall(r) > 0 {
                let ratio = mean(j, r) / overall(r)
                if ratio >= 1.8 { words.append("lapsing") } else if ratio <= 0.5 { words.append("recent") }
            }
            if shares[3] >= 0.5 {
                words.append("browsers")
            } else if shares[2] >= 0.5 {
                words.append("omnichannel")
            } else if shares[0] >= 0.6 {
                words.append("store-first")
            } else if shares[1] >= 0.6 {
                words.append("online-first")
            } else {
                words.append("mixed-channel")
            }
            if let v = views, overall(v) > 0, mean(j, v) >= 2 * overall(v) { words.append("engaged online") }
            if let d = discount, overall(d) > 0, mean(j, d) >= 1.5 * overall(d) { words.append("deal-seeking") }
            let label = words.joined(separator: " ") + (lifts.first.map { " · " + $0.name } ?? "")
            return Cluster(share: Double(result.counts[j]) / total, revenueShare: totalRevenue > 0 ? revenue[j] / totalRevenue : 0,
                           recency: recency.map { mean(j, $0) }, frequency: frequency.map { mean(j, $0) }, monetary: monetary.map { mean(j, $0) },
                           channelShares: shares, topDepartments: Array(lifts.prefix(2)), label: label, name: names[j])
        }
    }
}
