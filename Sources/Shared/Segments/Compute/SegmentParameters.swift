import JobRuntime
import OmnisegCore

/// The parameters of the `segment` job, each declared once. The rules and their names come from the
/// command's arguments (``SegmentJob/parameters(_:)``), so they have no option of their own.
public enum SegmentParameters {
    private static let defaults = SegmentOptions()

    public static let rule = Parameter<String?>.text(
        "rule", shape: "a rule in the segment language", shown: nil, option: .none, help: "One segment's rule (or rule_1 … rule_16).")
    public static let rules = Parameter<String?>.text(
        "rule", shape: "a rule in the segment language", shown: nil, option: .none, numbered: 1...SegmentJob.maximumSegments,
        help: "The rule of segment N.")
    public static let names = Parameter<String?>.text(
        "name", shape: "a name", shown: "segment_N", option: .none, numbered: 1...SegmentJob.maximumSegments, help: "The name of segment N.")
    public static let members = Parameter<Bool>(
        ParameterSpec(name: "members", value: .flag, defaultText: nil, help: "Return every segment's members (audience exports).", option: nil),
        fallback: false) { text throws(OmnisegError) in text == "1" }
    public static let newDays = Parameter.integer(
        "new_days", in: 1...36_500, default: defaults.newDays, help: "Lifecycle: new = first purchase within this many days.")
    public static let activeDays = Parameter.integer(
        "active_days", in: 1...36_500, default: defaults.activeDays, help: "Lifecycle: active = a purchase within this many days.")
    public static let lapsedDays = Parameter.integer(
        "lapsed_days", in: 1...36_500, default: defaults.lapsedDays, help: "Lifecycle: churned = no purchase for more than this many days.")
    public static let preferShare = Parameter.decimal(
        "prefer_share", in: 0...1, default: defaults.preferenceShare, help: "prefers = d when department d's share of spend is at least this.")

    public static let schema = ParameterSchema([
        newDays.spec, activeDays.spec, lapsedDays.spec, preferShare.spec, rule.spec, rules.spec, names.spec, members.spec])
}
