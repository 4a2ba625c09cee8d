/// A Redis reply, copied out of hiredis's reply object (which is freed at once).
public enum RedisReply: Sendable, Equatable {
    case bulk([UInt8])
    case status(String)
    case integer(Int64)
    case null
    case error(String)
    case array([RedisReply])

    /// The bytes of a bulk or status reply; nil otherwise.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let b): return b
        case .status(let s): return Array(s.utf8)
        default: return nil
        }
    }

    /// A bulk, status or integer reply as text; nil otherwise.
    public var text: String? {
        switch self {
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        case .status(let s): return s
        case .integer(let i): return String(i)
        default: return nil
        }
    }

    /// An integer reply, or a bulk reply holding a decimal integer.
    public var integer: Int64? {
        switch self {
        case .integer(let i): return i
        case .bulk, .status: return text.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The elements of an array reply; an empty array for a null reply; nil otherwise.
    public var elements: [RedisReply]? {
        switch self {
        case .array(let a): return a
        case .null: return []
        default: return nil
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The message of an error reply.
    public var errorMessage: String? { if case .error(let m) = self { return m } else { return nil } }

    /// A flat `[field, value, field, value…]` array (HGETALL, stream entry fields) as a dictionary of text keys.
    public var fieldMap: [String: RedisReply] {
        guard let items = elements else { return [:] }
        var map: [String: RedisReply] = [:]
        var i = 0
        while i + 1 < items.count {
            if let key = items[i].text { map[key] = items[i + 1] }
            i += 2
        }
        return map
    }
}

/// A value that can be one argument of a Redis command, sent binary-safe.
public protocol RedisArgument {
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Substring: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Int: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Int64: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension UInt64: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Array: RedisArgument where Element == UInt8 { public var redisBytes: [UInt8] { self } }

/// One Redis command as binary-safe arguments.
public struct RedisCommand: Sendable {
    public var arguments: [[UInt8]]

    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.arguments = [Array(name.utf8)] + arguments.map(\.redisBytes)
    }

    public init(arguments: [[UInt8]]) { self.arguments = arguments }

    public mutating func append(_ argument: any RedisArgument) { arguments.append(argument.redisBytes) }

    /// The command name, for error messages.
    public var name: String { arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "" }
}
