/// An error a user can act on: a stable code, a message that says what to fix, and where it happened.
///
/// Context entries keep their order (`file`, then `line`, then `column`), so the printed form reads
/// the way a person would look the problem up.
public struct OmnisegError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A stable, machine-readable classification of an ``OmnisegError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The input (a file, an option, a value) is not what was expected.
        public static let badInput = Code("bad-input")
        /// Reading or writing a file failed.
        public static let io = Code("io")
        /// SQLite reported an error.
        public static let database = Code("database")
        /// Something the caller named does not exist.
        public static let notFound = Code("not-found")
        /// Stored data failed an integrity check.
        public static let corrupt = Code("corrupt")
        /// A step was run before the step it depends on.
        public static let precondition = Code("precondition")
    }

    public var code: Code
    public var message: String
    public var context: [(key: String, value: String)]

    public init(_ code: Code, _ message: String, context: [(key: String, value: String)] = []) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String {
        guard !context.isEmpty else { return message }
        let where_ = context.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(message) (\(where_))"
    }

    public static func == (lhs: OmnisegError, rhs: OmnisegError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
            && lhs.context.map(\.key) == rhs.context.map(\.key)
            && lhs.context.map(\.value) == rhs.context.map(\.value)
    }
}

extension OmnisegError.Code {
    /// A service (Redis, a peer) could not be reached, or the connection broke (retry later).
    public static let unavailable = OmnisegError.Code("unavailable")
    /// A service refused the credentials.
    public static let authFailed = OmnisegError.Code("auth-failed")
    /// A network call did not answer within its timeout.
    public static let timeout = OmnisegError.Code("timeout")
}
