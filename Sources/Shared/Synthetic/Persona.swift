/// A planted behaviour type in the synthetic retailer, with the parameters that make it distinct.
public enum Persona: Int, CaseIterable, Sendable, CustomStringConvertible {
    case storeRegular, onlineCasual, omnichannelLoyalist, storeBargainHunter
    case giftGiver, earlyAdopter, lapsedTopShopper, occasional

    public var description: String {
        switch self {
        case .storeRegular: return "store_regular"
        case .onlineCasual: return "online_casual"
        case .omnichannelLoyalist: return "omnichannel_loyalist"
        case .storeBargainHunter: return "store_bargain_hunter"
        case .giftGiver: return "gift_giver"
        case .earlyAdopter: return "early_adopter"
        case .lapsedTopShopper: return "lapsed_top_shopper"
        case .occasional: return "occasional"
        }
    }

    /// The behaviour parameters of a persona.
    struct Profile {
        /// Share of the population.
        let share: Double
        let ordersPerYear: Double
        /// Probability an order is placed in a store (when the person has both kinds of account).
        let storeShare: Double
        let discountChance: Double
        /// Weights over ``Catalog/departments``.
        let departmentWeights: [Double]
        /// Probability of churning inside the window (lapsed top shoppers always do).
        let churnChance: Double
        /// Web/app sessions per year.
        let sessionsPerYear: Double
        /// Probability a purchased line is a new arrival.
        let newArrivalAffinity: Double
        /// Probability of having a store (POS/loyalty) record, a web-shop account and a CRM record.
        let posChance: Double, webChance: Double, crmChance: Double
        /// Probability of being female.
        let femaleChance: Double
        /// Multiplies prices picked (premium vs budget shoppers).
        let priceTier: Double
    }

    // Departments: footwear, womens, mens, kids, home, beauty, accessories, sports.
    var profile: Profile {
        switch self {
        case .storeRegular:
            return Profile(share: 0.28, ordersPerYear: 5, storeShare: 1, discountChance: 0.25, departmentWeights: [2, 3, 2, 1.5, 1, 1, 1, 1],
                           churnChance: 0.25, sessionsPerYear: 1, newArrivalAffinity: 0.05, posChance: 1, webChance: 0.1, crmChance: 0.3, femaleChance: 0.55, priceTier: 1)
        case .onlineCasual:
            return Profile(share: 0.15, ordersPerYear: 3.5, storeShare: 0, discountChance: 0.3, departmentWeights: [1.5, 2, 1.5, 1, 1, 1.5, 1, 1],
                           churnChance: 0.35, sessionsPerYear: 6, newArrivalAffinity: 0.05, posChance: 0, webChance: 1, crmChance: 0.2, femaleChance: 0.5, priceTier: 0.9)
        case .omnichannelLoyalist:
            return Profile(share: 0.12, ordersPerYear: 14, storeShare: 0.55, discountChance: 0.2, departmentWeights: [2, 2, 2, 1, 1.5, 1.5, 1.5, 1],
                           churnChance: 0.06, sessionsPerYear: 14, newArrivalAffinity: 0.1, posChance: 1, webChance: 1, crmChance: 0.5, femaleChance: 0.55, priceTier: 1.3)
        case .storeBargainHunter:
            return Profile(share: 0.12, ordersPerYear: 7, storeShare: 1, discountChance: 0.85, departmentWeights: [1, 1.5, 1, 2, 2, 1, 1, 0.5],
                           churnChance: 0.2, sessionsPerYear: 0, newArrivalAffinity: 0, posChance: 1, webChance: 0.05, crmChance: 0.2, femaleChance: 0.55, priceTier: 0.6)
        case .giftGiver:
            return Profile(share: 0.08, ordersPerYear: 6, storeShare: 0.6, discountChance: 0.75, departmentWeights: [0.5, 1, 7, 0.5, 0.5, 0.5, 1, 0.5],
                           churnChance: 0.18, sessionsPerYear: 5, newArrivalAffinity: 0.05, posChance: 0.9, webChance: 0.8, crmChance: 0.3, femaleChance: 1, priceTier: 1)
        case .earlyAdopter:
            return Profile(share: 0.06, ordersPerYear: 14, storeShare: 0.5, discountChance: 0.05, departmentWeights: [1.5, 2, 2, 1, 1, 1.5, 1.5, 1.5],
                           churnChance: 0.08, sessionsPerYear: 16, newArrivalAffinity: 0.75, posChance: 1, webChance: 1, crmChance: 0.5, femaleChance: 0.5, priceTier: 1.6)
        case .lapsedTopShopper:
            return Profile(share: 0.05, ordersPerYear: 16, storeShare: 0.6, discountChance: 0.15, departmentWeights: [4, 2, 1.5, 1, 1, 1, 1, 2.5],
                           churnChance: 1, sessionsPerYear: 12, newArrivalAffinity: 0.1, posChance: 1, webChance: 1, crmChance: 0.5, femaleChance: 0.5, priceTier: 1.5)
        case .occasional:
            return Profile(share: 0.14, ordersPerYear: 1.2, storeShare: 0.6, discountChance: 0.4, departmentWeights: [1, 1, 1, 1, 1, 1, 1, 1],
                           churnChance: 0.3, sessionsPerYear: 1, newArrivalAffinity: 0, posChance: 0.6, webChance: 0.5, crmChance: 0.1, femaleChance: 0.5, priceTier: 0.9)
        }
    }

    /// Picks a persona from a uniform draw in [0, 1) by the personas' shares.
    static func pick(_ u: Double) -> Persona {
        var acc = 0.0
        for persona in allCases {
            acc += persona.profile.share
            if u < acc { return persona }
        }
        return .occasional
    }
}
