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
