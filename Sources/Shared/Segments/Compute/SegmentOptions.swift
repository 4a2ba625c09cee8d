import OmnisegCore

/// The settings of the built-in segments: lifecycle windows (days before the as-of date), the share of
/// spend that makes a department preferred, and the names of the churn-risk tiers.
public struct SegmentOptions: Sendable, Equatable {
    /// `new`: first purchase within this many days.
    public var newDays = 30
    /// `active`: last purchase within this many days (and `reactivated` when it ended a lapse).
    public var activeDays = 90
    /// `churned`: no purchase for more than this many days; `at_risk` between the two. A gap longer
    /// than this between two purchases is a lapse.
    public var lapsedDays = 180
    /// `prefers = d`: department d's share of the person's spend is at least this.
    public var preferenceShare = 0.3

    public init() {}

    /// Lifecycle stages, in the order of their codes.
    public static let lifecycleNames = ["prospect", "new", "active", "reactivated", "at_risk", "churned"]
    /// Channel segments, in the order of their codes.
    public static let channelNames = ["none", "store_only", "online_only", "omnichannel"]

    func encode(into writer: inout WireWriter) {
        writer.count(newDays)
        writer.count(activeDays)
        writer.count(lapsedDays)
        writer.f64(preferenceShare)
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> SegmentOptions {
        var o = SegmentOptions()
        o.newDays = try reader.count(limit: 36_500)
        o.activeDays = try reader.count(limit: 36_500)
        o.lapsedDays = try reader.count(limit: 36_500)
        o.preferenceShare = try reader.f64()
        return o
    }
}
