import JobRuntime

/// The parameters of the `cluster` job, each declared once.
public enum ClusterParameters {
    /// The k a job may ask for, and the range `k=auto` may try.
    public static let kBounds = 1...256
    public static let autoBounds = 2...64
    /// PCA: components, or the share of variance to keep.
    public static let componentBounds = 1...4096
    public static let varianceBounds = 0.01...0.9999

    public static let k = Parameter<String>.text(
        "k", shape: "an integer from \(kBounds.lowerBound) to \(kBounds.upperBound), or auto", default: "8",
        help: "Clusters; auto tries every k of --k-range and keeps the best silhouette.")
    public static let kRange = Parameter<String>.text(
        "k-range", shape: "a range like 2...10 (from \(autoBounds.lowerBound) to at most \(autoBounds.upperBound))", default: "2...10",
        help: "With k=auto: the k to try.")
    public static let features = Parameter<String?>.text(
        "features", shape: "feature names separated by commas", shown: "every feature but the churn-timing ones",
        help: "The features to cluster on (the churn-timing ones — purchase_interval_days, overdue_ratio, the 90-day windows and trends — only when named).")
    public static let seed = Parameter.integer("seed", in: 0...Int(Int32.max), default: 42, help: "Seed of the sample and the seeding.")
    public static let maxIterations = Parameter.integer("max-iter", in: 1...10_000, default: 100, help: "Lloyd iterations at most.")
    public static let tolerance = Parameter.decimal(
        "tol", in: 0...1, default: 1e-4, help: "Stop when the centroids move less than this (sum of squared shifts, in standard deviations).")
    public static let sample = Parameter<Int?>.integer(
        "sample", in: 1...100_000, shown: "50 × k, from 2000 to 10000", help: "People sampled for the seeding (at least k).")
    public static let initializations = Parameter.integer(
        "n-init", in: 1...20, default: 3, help: "Seedings run side by side; the one with the lowest inertia is kept.")
    public static let pca = Parameter<String?>.text(
        "pca", shape: "a number of components from \(componentBounds.lowerBound) to \(componentBounds.upperBound), "
            + "or a share of variance from \(varianceBounds.lowerBound) to \(varianceBounds.upperBound)", shown: "none",
        help: "Project onto principal components before clustering.")

    public static let minShare = Parameter.decimal(
        "min-share", in: 0...0.5, default: 0.02,
        help: "With k=auto: refuse a k whose smallest cluster holds less than this share of the sample (when every k does, the one whose smallest cluster is largest).")

    public static let transform = Parameter<String?>.choice(
        "transform", FeatureTransform.Policy.allCases.map(\.rawValue), shown: "auto",
        help: "Reshape features before scaling: auto takes log1p of a feature that is never negative and skewed (sample skewness above 1: money, counts), log of every feature that is never negative, none of none.")
    public static let winsorize = Parameter.decimal(
        "winsorize", in: 0.9...1, default: 0.995,
        help: "Clip each feature (after the log) to this percentile of the sample and the one opposite it (1 − this); 1 clips nothing.")
    public static let scaling = Parameter<String?>.choice(
        "scaling", FeatureScaling.allCases.map(\.rawValue), shown: "standard",
        help: "Standardize by mean and standard deviation, or robust: by median and interquartile range (the deviation where that is 0).")

    public static let schema = ParameterSchema([k.spec, kRange.spec, minShare.spec, features.spec, transform.spec, winsorize.spec, scaling.spec,
                                                seed.spec, maxIterations.spec, tolerance.spec, sample.spec, initializations.spec, pca.spec])
}
