import OmnisegCore

extension OmnisegError.Code {
    /// The Redis server answered with an error.
    public static let redis = OmnisegError.Code("redis")
    /// A key holds a different Redis type than the command needs.
    public static let wrongType = OmnisegError.Code("wrong-type")
}
