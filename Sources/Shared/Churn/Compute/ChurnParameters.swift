import JobRuntime
import OmnisegCore

/// The parameters of the churn kinds, each declared once; the kinds' schemas pick from them.
public enum ChurnParameters {
    public static let defaultHorizonDays = 90

    // Labels (train and evaluate).
    public static let horizon = Parameter<Int?>.integer(
        "horizon_days", in: 1...3650, shown: "\(defaultHorizonDays)",
        help: "Days after the feature set's as-of date in which no purchase means churned.")
    public static let channel = Parameter<String?>.text(
        "channel", shape: "one of any, online, store, web, app (or a comma list)", shown: "any",
        help: "Count only purchases in this channel.")
    public static let labels = Parameter<Int64?>.reference(
        "labels", to: "label set", shown: "the holdout window",
        help: "Labels from an imported label set; on the command line also a CSV file with columns person_id,label (1 = churned), imported first.")

    // Training. The bounds are also what a decoded model or training state must respect.
    static let treeBounds = 1...10_000
    static let depthBounds = 1...40
    static let minimumLeafBounds = 0.0...1e9
    static let featuresPerSplitBounds = 1...65_536
    public static let trees = Parameter.integer("trees", in: treeBounds, default: 100, help: "Trees in the forest.")
    public static let depth = Parameter.integer("depth", in: depthBounds, default: 12, help: "Maximum tree depth.")
    public static let minimumLeaf = Parameter.decimal(
        "min_leaf", in: minimumLeafBounds, default: 1, help: "Minimum (bootstrap- and class-weighted) samples per leaf.")
    public static let featuresPerSplit = Parameter<Int?>.integer(
        "features_per_split", in: featuresPerSplitBounds, shown: "√features", help: "Features tried at each split.")
    public static let classWeight = Parameter<String?>.text(
        "class_weight", shape: "none, balanced, or a number from 0.001 to 1000", shown: "none", help: "Weight of churned people.")
    public static let bootstrap = Parameter.integer("bootstrap", in: 0...1, default: 1, help: "Grow each tree on a bootstrap sample (1) or on every row (0).")
    public static let holdout = Parameter.decimal("holdout", in: 0...0.9, default: 0.2, help: "Share of labelled people held out for evaluation.")
    public static let bins = Parameter.integer("bins", in: 2...256, default: 256, help: "Bins per feature.")
    public static let seed = Parameter.integer("seed", in: 0...Int(Int32.max), default: 42, help: "Seed of the bootstrap, feature draws and holdout.")

    // Scoring and evaluation.
    public static let model = Parameter<Int64?>.reference("model", to: "churn model", shown: "the one with the latest as-of day", help: "The model.")
    public static let tiers = Parameter<String?>.text(
        "tiers", shape: "ascending probabilities separated by commas", shown: "0.3,0.6 (low, medium, high)", help: "Risk tier cut-points.")

    public static let trainSchema = ParameterSchema([
        horizon.spec, channel.spec, labels.spec, trees.spec, depth.spec, minimumLeaf.spec, featuresPerSplit.spec, classWeight.spec,
        bootstrap.spec, holdout.spec, bins.spec, seed.spec])
    public static let scoreSchema = ParameterSchema([model.spec, tiers.spec])
    public static let evaluateSchema = ParameterSchema([
        model.spec, horizon.described(shown: "the model's").spec, channel.described(shown: "the model's").spec, labels.spec])

    /// The `channel` parameter: where a purchase must be to count; nil when not given, empty for any.
    static func channels(_ parameters: JobParameters) throws(OmnisegError) -> [Channel]? {
        guard let text = try parameters.value(channel) else { return nil }
        var channels: Set<Channel> = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch part {
            case "any", "all": return []
            case "online": channels.formUnion([.web, .app])
            default:
                guard let parsed = Channel(parsing: part) else { throw ParameterSpec.invalid(channel.name, part, channel.spec.value.expectation) }
                channels.insert(parsed)
            }
        }
        return channels.sorted { $0.rawValue < $1.rawValue }
    }

    /// The `class_weight` parameter: the weight of churned people, nil for balanced.
    static func classWeight(_ parameters: JobParameters) throws(OmnisegError) -> Double? {
        switch try parameters.value(classWeight) {
        case nil, "none": return 1
        case "balanced": return nil
        case let text?:
            guard let w = Double(text), w.isFinite, (0.001...1000).contains(w) else {
                throw ParameterSpec.invalid(classWeight.name, text, classWeight.spec.value.expectation)
            }
            return w
        }
    }
}
