import OmnisegCore

/// The workspace tables whose rows may be sent to workers as ``TablePartition``s, and the columns of
/// each that may go. Contacts never leave the workspace for workers: `customer_record` (e-mail,
/// phone, names, address), the rejected rows (their raw text) and the person links are not here, and
/// an exporter refuses every table and column that is not (a test checks this list against the
/// workspace schema).
public enum ExportableTables {
    public static let columns: [String: [String]] = [
        "txn": ["source", "customer_id", "ts", "channel", "store_id", "order_id", "sku", "department", "quantity", "amount_cents"],
        "event": ["source", "customer_id", "ts", "kind", "sku", "department"],
        "product": ["sku", "name", "department", "price_cents", "arrival_ts"],
    ]

    /// The table names, sorted.
    public static var names: [String] { columns.keys.sorted() }

    /// `requested` columns of `table` (every exportable one when empty), checked against the list;
    /// throws naming what may be exported.
    public static func resolve(table: String, requested: [String]) throws(OmnisegError) -> [String] {
        guard let allowed = columns[table] else {
            throw OmnisegError(.badInput, "table '\(table)' cannot be sent to workers (contacts never leave the workspace); "
                               + "tables that can: \(names.joined(separator: ", "))")
        }
        guard !requested.isEmpty else { return allowed }
        for name in requested where !allowed.contains(name) {
            throw OmnisegError(.badInput, "column '\(name)' of table '\(table)' cannot be sent to workers; it may send: \(allowed.joined(separator: ", "))")
        }
        return requested
    }
}
