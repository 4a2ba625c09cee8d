extension OmnisegError.Code {
    /// The Redis server could not be reached, or the connection broke (retry later).
    public static let unavailable = OmnisegError.Code("unavailable")
    /// The Redis server refused the credentials.
    public static let authFailed = OmnisegError.Code("auth-failed")
    /// A network call did not answer within its timeout.
    public static let timeout = OmnisegError.Code("timeout")
    /// The Redis server answered with an error.
    public static let redis = OmnisegError.Code("redis")
    /// A key holds a different Redis type than the command needs.
    public static let wrongType = OmnisegError.Code("wrong-type")
}
