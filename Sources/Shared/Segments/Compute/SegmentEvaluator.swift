import Features
import Recommend

/// Evaluates compiled rules over one shard into bitsets: each condition is one pass over the shard's
/// rows into a bitset, and AND / OR / NOT combine bitsets with the word kernels.
struct SegmentEvaluator {
    let shard: FeatureShard
    let data: SegmentShardData
    let profile: SegmentProfile
    let options: SegmentOptions
    let asOfDay: Int32
    let vocabulary: SegmentVocabulary

    /// An evaluator for `rules`: the profile computes only the built-in segments they use.
    init(shard: FeatureShard, data: SegmentShardData, vocabulary: SegmentVocabulary, rfm: RFMScheme, options: SegmentOptions, asOfDay: Int32,
         rules: [CompiledRule]) {
        self.shard = shard
        self.vocabulary = vocabulary
        self.data = data
        self.options = options
        self.asOfDay = asOfDay
        let needs = rules.reduce(SegmentProfile.Needs()) { $0.union($1.profileNeeds) }
        profile = SegmentProfile(shard: shard, interactions: data.interactions, vocabulary: vocabulary, rfm: rfm, options: options, asOfDay: asOfDay,
                                 needs: needs)
    }

    func evaluate(_ rule: CompiledRule) -> PersonBitset {
        let n = shard.rowCount
        switch rule {
        case .and(let a, let b):
            var set = evaluate(a)
            set.formIntersection(evaluate(b))
            return set
        case .or(let a, let b):
            var set = evaluate(a)
            set.formUnion(evaluate(b))
            return set
        case .not(let a):
            var set = evaluate(a)
            set.invert()
            return set
        case .code(let code, let values):
            let codes: [UInt8]
            switch code {
            case .rfm: codes = profile.rfm
            case .lifecycle: codes = profile.lifecycle
            case .channel: codes = profile.channel
            case .activeChannel: codes = profile.activeChannel
            case .churnTier: codes = data.churnTier
            case .gender: codes = data.gender
            case .cluster: return PersonBitset(count: n) { data.clusters[$0] >= 0 && values.contains(Int(data.clusters[$0])) }
            }
            var member = [Bool](repeating: false, count: 256)
            for v in values where v < 256 { member[v] = true }
            return PersonBitset(count: n) { member[Int(codes[$0])] }
        case .number(let number, let comparison, let value):
            switch number {
            case .column(let c):
                let column = shard.column(c)
                return PersonBitset(count: n) { comparison.holds(Double(column[$0]), value) }
            case .rScore: return scores(profile.r, comparison, value)
            case .fScore: return scores(profile.f, comparison, value)
            case .mScore: return scores(profile.m, comparison, value)
            case .fmScore: return scores(profile.fm, comparison, value)
            case .departments: return PersonBitset(count: n) { comparison.holds(Double(profile.departments[$0]), value) }
            case .cluster: return PersonBitset(count: n) { data.clusters[$0] >= 0 && comparison.holds(Double(data.clusters[$0]), value) }
            case .churnRisk: return PersonBitset(count: n) { !data.churnRisk[$0].isNaN && comparison.holds(Double(data.churnRisk[$0]), value) }
            }
        case .prefers(let columns):
            let threshold = Float(options.preferenceShare)
            let lists = columns.map { shard.column($0) }
            return PersonBitset(count: n) { r in lists.contains { $0[r] >= threshold } }
        case .activity(let actions, let department, let within, let minimum, let arrived):
            let interactions = data.interactions
            // In Int: a damaged state or shard may hold any day, and Int32 differences of them overflow.
            let since = within.map { Int(asOfDay) - $0 + 1 } ?? Int.min
            let arrivedSince = arrived.map { Int(asOfDay) - $0 + 1 } ?? Int.min
            let departments = vocabulary.itemDepartments, arrivals = vocabulary.itemArrivals
            var wanted = [Bool](repeating: false, count: 256)
            for a in actions { wanted[Int(a)] = true }
            return PersonBitset(count: n) { r in
                var count = 0
                for i in interactions.range(ofRow: r).reversed() {
                    if Int(interactions.days[i]) < since { break }
                    let item = Int(interactions.items[i])
                    guard wanted[Int(interactions.actions[i])], department.map({ Int(departments[item]) == $0 }) ?? true,
                          arrived == nil || Int(arrivals[item]) >= arrivedSince else { continue }
                    count += 1
                    if count >= minimum { return true }
                }
                return false
            }
        }
    }

    /// People with a score (they bought something) whose score compares true.
    private func scores(_ values: [UInt8], _ comparison: SegmentRule.Comparison, _ value: Double) -> PersonBitset {
        PersonBitset(count: shard.rowCount) { values[$0] > 0 && comparison.holds(Double(values[$0]), value) }
    }
}

/// The built-in segments of one shard's people, derived from their features and purchases: RFM
/// scores and segment, lifecycle stage, channel segment and per-channel activity (codes as in
/// ``RFMScheme`` and ``SegmentOptions``).
struct SegmentProfile {
    var r: [UInt8], f: [UInt8], m: [UInt8], fm: [UInt8]
    var rfm: [UInt8]
    var lifecycle: [UInt8]
    var channel: [UInt8]
    /// Bit 0: bought in a store within the active window; bit 1: online.
    var activeChannel: [UInt8]
    /// Departments with a share of the person's spend (the feature set's department columns).
    var departments: [UInt8]

    /// Which built-in segments a set of rules reads.
    struct Needs: OptionSet {
        let rawValue: UInt8
        static let rfm = Needs(rawValue: 1)
        static let lifecycle = Needs(rawValue: 2)
        static let channel = Needs(rawValue: 4)
        static let departments = Needs(rawValue: 8)
    }

    init(shard: FeatureShard, interactions: InteractionShard, vocabulary: SegmentVocabulary, rfm scheme: RFMScheme, options: SegmentOptions, asOfDay: Int32,
         needs: Needs) {
        let n = shard.rowCount
        r = [UInt8](repeating: 0, count: needs.contains(.rfm) ? n : 0)
        f = r; m = r; fm = r; rfm = r
        lifecycle = [UInt8](repeating: 0, count: needs.contains(.lifecycle) ? n : 0)
        channel = [UInt8](repeating: 0, count: needs.contains(.channel) ? n : 0)
        activeChannel = channel
        departments = [UInt8](repeating: 0, count: needs.contains(.departments) ? n : 0)
        let shares = vocabulary.columns.indices.filter { vocabulary.columns[$0].hasPrefix("dept_share_") }.map { shard.column($0) }
        func column(_ name: String) -> UnsafeBufferPointer<Float>? { vocabulary.columns.firstIndex(of: name).map { shard.column($0) } }
        let recency = column("recency_days"), frequency = column("frequency"), monetary = column("monetary")
        let storeOrders = column("store_frequency"), onlineOrders = column("online_frequency")
        let storeRecency = column("store_recency_days"), onlineRecency = column("online_recency_days")
        if needs.contains(.rfm), let recency, let frequency, let monetary {
            let cuts = scheme.vectors
            for row in 0..<n where frequency[row] > 0 {
                let rs = RFMScheme.score(-Double(recency[row]), cuts.r), fs = RFMScheme.score(Double(frequency[row]), cuts.f)
                let ms = RFMScheme.score(Double(monetary[row]), cuts.m)
                let both = RFMScheme.frequencyMonetary(f: fs, m: ms)
                r[row] = UInt8(rs)
                f[row] = UInt8(fs)
                m[row] = UInt8(ms)
                fm[row] = UInt8(both)
                rfm[row] = UInt8(RFMScheme.segment(r: rs, fm: both))
            }
        }
        for row in 0..<n where needs.contains(.channel) {
            let inStore = (storeOrders?[row] ?? 0) > 0, online = (onlineOrders?[row] ?? 0) > 0
            channel[row] = inStore && online ? 3 : online ? 2 : inStore ? 1 : 0
            let active = Float(options.activeDays)
            activeChannel[row] = (inStore && (storeRecency?[row] ?? .infinity) <= active ? 1 : 0) | (online && (onlineRecency?[row] ?? .infinity) <= active ? 2 : 0)
        }
        for row in 0..<n where needs.contains(.lifecycle) { lifecycle[row] = Self.stage(interactions, row: row, options: options, asOfDay: asOfDay) }
        for row in 0..<n where needs.contains(.departments) {
            departments[row] = UInt8(clamping: shares.reduce(0) { $0 + ($1[row] > 0 ? 1 : 0) })
        }
    }

    /// The lifecycle code of row `row` from its purchase days (oldest first). Days are compared as
    /// Int: differences of any two Int32 days fit, so no shard or state can make them overflow.
    static func stage(_ interactions: InteractionShard, row: Int, options: SegmentOptions, asOfDay: Int32) -> UInt8 {
        var first = Int.max, last = Int.min, previous = Int.min
        var lapseEndedAt = Int.min
        for i in interactions.range(ofRow: row) where InteractionAction(rawValue: interactions.actions[i])?.isPurchase == true {
            let day = Int(interactions.days[i])
            first = min(first, day)
            if previous != Int.min && day - previous > options.lapsedDays { lapseEndedAt = day }
            previous = max(previous, day)
            last = max(last, day)
        }
        guard last != Int.min else { return 0 }                                     // prospect
        let today = Int(asOfDay)
        let recency = today - last
        if today - first < options.newDays { return 1 }                              // new
        if recency < options.activeDays {
            let endedLapse = lapseEndedAt != Int.min && today - lapseEndedAt < options.activeDays
            return endedLapse ? 3 : 2                                                // reactivated, active
        }
        return recency <= options.lapsedDays ? 4 : 5                                 // at risk, churned
    }
}

extension CompiledRule {
    /// The built-in segments this rule reads.
    var profileNeeds: SegmentProfile.Needs {
        switch self {
        case .and(let a, let b), .or(let a, let b): return a.profileNeeds.union(b.profileNeeds)
        case .not(let a): return a.profileNeeds
        case .code(.rfm, _): return .rfm
        case .code(.lifecycle, _): return .lifecycle
        case .code(.channel, _), .code(.activeChannel, _): return .channel
        case .number(.rScore, _, _), .number(.fScore, _, _), .number(.mScore, _, _), .number(.fmScore, _, _): return .rfm
        case .number(.departments, _, _): return .departments
        case .code, .number, .prefers, .activity: return []
        }
    }
}
