import OmnisegCore

/// Where a Redis server is and how to log in: parsed from `redis://[user:password@]host[:port][/db]`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The ACL user; nil for the default user (AUTH with a password only).
    public var user: String?
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, user: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` URL; throws `.badInput` naming the part that is wrong.
    public init(url: String) throws(OmnisegError) {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else {
            throw OmnisegError(.badInput, "a Redis URL starts with redis:// (got '\(Self.masked(url))'); rediss:// (TLS) is not supported by this hiredis, tunnel it instead (see deploy/README.md)")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let name = String(credentials[..<colon])
                user = name.isEmpty ? nil : Self.percentDecoded(name)
                password = Self.percentDecoded(String(credentials[credentials.index(after: colon)...]))
            } else {
                password = Self.percentDecoded(String(credentials))
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let db = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !db.isEmpty {
                guard let n = Int(db), n >= 0 else {
                    throw OmnisegError(.badInput, "the database in a Redis URL is a number ≥ 0 (got '\(db)')", context: [("url", Self.masked(url))])
                }
                database = n
            }
        }
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(p) else {
                throw OmnisegError(.badInput, "the port in a Redis URL is a number from 1 to 65535 (got '\(rest[rest.index(after: colon)...])')",
                                   context: [("url", Self.masked(url))])
            }
            port = p
        }
        guard !host.isEmpty else {
            throw OmnisegError(.badInput, "a Redis URL names a host, e.g. redis://127.0.0.1:6379", context: [("url", Self.masked(url))])
        }
        self.init(host: host, port: port, user: user, password: password, database: database)
    }

    /// The URL without the password, for logs and messages.
    public var description: String {
        var text = "redis://"
        if let user { text += user + (password == nil ? "@" : ":***@") } else if password != nil { text += ":***@" }
        return text + "\(host):\(port)/\(database)"
    }

    static func masked(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://")?.upperBound else { return url }
        let credentials = url[schemeEnd..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }

    private static func percentDecoded(_ text: String) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
