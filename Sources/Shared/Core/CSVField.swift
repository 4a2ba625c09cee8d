import Foundation

/// Writing one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, quote or line break.
public enum CSVField {
    public static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
