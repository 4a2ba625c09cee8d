/// The channel a transaction happened in.
public enum Channel: Int, CaseIterable, Sendable, CustomStringConvertible {
    case store = 0
    case web = 1
    case app = 2

    /// The name used in files and output.
    public var description: String {
        switch self {
        case .store: return "store"
        case .web: return "web"
        case .app: return "app"
        }
    }

    /// Whether the channel is online (web shop or app).
    public var isOnline: Bool { self != .store }

    /// Parses a channel from field bytes: the exact lower-case names without allocating, else ``init(parsing:)-string``.
    @inline(__always)
    public init?(bytes: UnsafeRawBufferPointer) {
        if bytes.count == 5, bytes[0] == 0x73, bytes[1] == 0x74, bytes[2] == 0x6F, bytes[3] == 0x72, bytes[4] == 0x65 { self = .store; return }
        if bytes.count == 3, bytes[0] == 0x77, bytes[1] == 0x65, bytes[2] == 0x62 { self = .web; return }
        if bytes.count == 3, bytes[0] == 0x61, bytes[1] == 0x70, bytes[2] == 0x70 { self = .app; return }
        self.init(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// Parses a channel name, case-insensitively, with the synonyms real exports use:
    /// store (`pos`, `instore`, `in-store`, `retail`), web (`online`, `ecom`, `ecommerce`, `e-commerce`,
    /// `webshop`), app (`mobile`, `mobile-app`).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "store", "pos", "instore", "in-store", "in store", "retail": self = .store
        case "web", "online", "ecom", "ecommerce", "e-commerce", "webshop", "web-shop": self = .web
        case "app", "mobile", "mobile-app", "mobile app": self = .app
        default: return nil
        }
    }
}

/// The kind of a behavioural (web or app) event.
public enum EventKind: Int, CaseIterable, Sendable, CustomStringConvertible {
    case view = 0
    case cartAdd = 1
    case search = 2
    case login = 3

    /// The name used in files and output.
    public var description: String {
        switch self {
        case .view: return "view"
        case .cartAdd: return "cart_add"
        case .search: return "search"
        case .login: return "login"
        }
    }

    /// Parses an event kind from field bytes: the exact lower-case names without allocating, else ``init(parsing:)-string``.
    @inline(__always)
    public init?(bytes: UnsafeRawBufferPointer) {
        if bytes.count == 4, bytes[0] == 0x76, bytes[1] == 0x69, bytes[2] == 0x65, bytes[3] == 0x77 { self = .view; return }
        if bytes.count == 5, bytes[0] == 0x6C, bytes[1] == 0x6F, bytes[2] == 0x67, bytes[3] == 0x69, bytes[4] == 0x6E { self = .login; return }
        self.init(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// Parses an event name case-insensitively (`view`/`product_view`, `cart_add`/`add_to_cart`, `search`, `login`).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "view", "product_view", "page_view", "pageview": self = .view
        case "cart_add", "cart-add", "add_to_cart", "addtocart", "cartadd": self = .cartAdd
        case "search": self = .search
        case "login", "log_in", "signin", "sign_in": self = .login
        default: return nil
        }
    }
}
