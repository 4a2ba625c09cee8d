/// Names of feature columns that more than one module derives.
public enum FeatureColumn {
    /// The column of a person's spend share in `department`: `dept_share_` and the department's name,
    /// lower-cased, with every character but ASCII letters and digits replaced by `_`.
    public static func departmentShare(_ department: String) -> String {
        "dept_share_" + String(department.lowercased().map { c -> Character in (c.isASCII && (c.isLetter || c.isNumber)) ? c : "_" })
    }

    /// The churn-timing columns: the interval between orders, how overdue the next one is, and the
    /// last 90 days against the 90 before. They restate recency, frequency and monetary for the churn
    /// model; clustering leaves them out unless asked (they would weigh those three several times over).
    public static let churnTiming = ["purchase_interval_days", "overdue_ratio", "orders_90d", "orders_prior_90d", "spend_90d", "spend_prior_90d",
                                     "order_trend_90d", "spend_trend_90d"]
}
