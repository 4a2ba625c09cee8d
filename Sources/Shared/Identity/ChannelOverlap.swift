import OmnisegCore
import Workspace

/// How people split over channels: store only, online only (web or app), both, or no purchase at all,
/// with the revenue of each group.
public struct ChannelOverlap: Sendable {
    /// One group of people.
    public struct Group: Sendable {
        public let name: String
        public var people: Int
        public var revenueCents: Int64
    }

    public var storeOnly = Group(name: "store only", people: 0, revenueCents: 0)
    public var onlineOnly = Group(name: "online only", people: 0, revenueCents: 0)
    public var omnichannel = Group(name: "store and online", people: 0, revenueCents: 0)
    public var noPurchase = Group(name: "no purchase", people: 0, revenueCents: 0)

    /// The groups in display order.
    public var groups: [Group] { [storeOnly, onlineOnly, omnichannel, noPurchase] }

    /// Computes the overlap from the workspace's transactions and person links.
    public static func compute(_ workspace: Workspace) throws(OmnisegError) -> ChannelOverlap {
        let lookup = try PersonLookup(workspace: workspace)
        var channels = [UInt8](repeating: 0, count: lookup.people)   // bit 0 store, bit 1 online
        var revenue = [Int64](repeating: 0, count: lookup.people)
        let statement = try workspace.db.prepare("SELECT source, customer_id, channel, amount_cents FROM txn")
        while try statement.step() {
            guard let row = lookup.row(ofCurrentRowOf: statement) else { continue }
            channels[row] |= statement.int64(at: 2) == Int64(Channel.store.rawValue) ? 1 : 2
            revenue[row] += statement.int64(at: 3)
        }
        var overlap = ChannelOverlap()
        for row in 0..<lookup.people {
            switch channels[row] {
            case 1: overlap.storeOnly.people += 1; overlap.storeOnly.revenueCents += revenue[row]
            case 2: overlap.onlineOnly.people += 1; overlap.onlineOnly.revenueCents += revenue[row]
            case 3: overlap.omnichannel.people += 1; overlap.omnichannel.revenueCents += revenue[row]
            default: overlap.noPurchase.people += 1
            }
        }
        return overlap
    }

    /// A printable table with shares of people and revenue.
    public var table: String {
        let people = max(1, groups.reduce(0) { $0 + $1.people })
        let revenue = max(1, groups.reduce(0) { $0 + $1.revenueCents })
        var lines = ["channel            people        share   revenue              share"]
        for g in groups {
            let name = g.name.rightPadded(18)
            let p = Format.count(g.people).leftPadded(10)
            let ps = (Format.fixed(100 * Double(g.people) / Double(people), 1) + "%").leftPadded(8)
            let r = Format.money(cents: g.revenueCents).leftPadded(18)
            let rs = (Format.fixed(100 * Double(g.revenueCents) / Double(revenue), 1) + "%").leftPadded(8)
            lines.append("\(name) \(p)   \(ps)   \(r)   \(rs)")
        }
        return lines.joined(separator: "\n")
    }
}
