/// Names of feature columns that more than one module derives.
public enum FeatureColumn {
    /// The column of a person's spend share in `department`: `dept_share_` and the department's name,
    /// lower-cased, with every character but ASCII letters and digits replaced by `_`.
    public static func departmentShare(_ department: String) -> String {
        "dept_share_" + String(department.lowercased().map { c -> Character in (c.isASCII && (c.isLetter || c.isNumber)) ? c : "_" })
    }
}
