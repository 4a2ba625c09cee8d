#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads environment variables.
public enum ProcessEnvironment {
    /// The value of `name`, or nil when it is unset or empty.
    public static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}

/// The version of this build.
public enum OmnisegVersion {
    public static let current = "0.1.0"
}
