/// What a CSV file holds, and the columns Omniseg reads from it.
public enum IngestKind: String, CaseIterable, Sendable {
    case customers
    case transactions
    case events
    case products

    /// A column Omniseg reads: its name, whether it must be present, and what it expects.
    public struct Column: Sendable {
        public let name: String
        public let required: Bool
        public let expects: String
    }

    /// The columns of this kind, in the order the generator writes them.
    public var columns: [Column] {
        switch self {
        case .customers:
            return [
                Column(name: "source", required: true, expects: "the system the record comes from (e.g. pos, web, crm)"),
                Column(name: "source_id", required: true, expects: "the customer's id in that system"),
                Column(name: "email", required: false, expects: "an e-mail address"),
                Column(name: "phone", required: false, expects: "a phone number"),
                Column(name: "loyalty_id", required: false, expects: "a loyalty card number"),
                Column(name: "first_name", required: false, expects: "text"),
                Column(name: "last_name", required: false, expects: "text"),
                Column(name: "gender", required: false, expects: "F, M, X or empty"),
                Column(name: "birth_date", required: false, expects: "a date"),
                Column(name: "street", required: false, expects: "text"),
                Column(name: "postcode", required: false, expects: "text"),
                Column(name: "city", required: false, expects: "text"),
                Column(name: "street_number", required: false, expects: "text"),
                Column(name: "address_line_2", required: false, expects: "text (apartment, suite, floor)"),
                Column(name: "region", required: false, expects: "text (state or province)"),
                Column(name: "country", required: false, expects: "text"),
            ]
        case .transactions:
            return [
                Column(name: "source", required: true, expects: "the system the customer id belongs to"),
                Column(name: "customer_id", required: true, expects: "the customer's id in that system"),
                Column(name: "timestamp", required: true, expects: "a date-time"),
                Column(name: "channel", required: true, expects: "store, web or app"),
                Column(name: "store_id", required: false, expects: "text"),
                Column(name: "order_id", required: false, expects: "text (default: customer id and time)"),
                Column(name: "sku", required: true, expects: "a product id"),
                Column(name: "department", required: false, expects: "text (default: unknown)"),
                Column(name: "quantity", required: false, expects: "a whole number from 1 to 100000 (default 1)"),
                Column(name: "amount", required: true, expects: "a non-negative decimal amount paid for the line"),
                Column(name: "discounted", required: false, expects: "true/false, 1/0, yes/no (default false)"),
            ]
        case .events:
            return [
                Column(name: "source", required: true, expects: "the system the customer id belongs to"),
                Column(name: "customer_id", required: true, expects: "the customer's id in that system"),
                Column(name: "timestamp", required: true, expects: "a date-time"),
                Column(name: "event", required: true, expects: "view, cart_add, search or login"),
                Column(name: "sku", required: false, expects: "a product id"),
                Column(name: "department", required: false, expects: "text"),
            ]
        case .products:
            return [
                Column(name: "sku", required: true, expects: "a product id"),
                Column(name: "name", required: false, expects: "text"),
                Column(name: "department", required: true, expects: "text"),
                Column(name: "price", required: false, expects: "a non-negative decimal amount"),
                Column(name: "arrival_date", required: false, expects: "a date"),
            ]
        }
    }
}
