import OmnisegCore

/// Parses the segment rule language:
///
/// ```
/// rule       := or
/// or         := and ("OR" and)*
/// and        := unary ("AND" unary)*
/// unary      := "NOT" unary | "(" or ")" | condition
/// condition  := name comparison value            lifecycle = churned, monetary >= 500
///             | name ["NOT"] "IN" "(" value ("," value)* ")"
///             | "share" "(" value ")" comparison number
///             | ("viewed" | "carted" | "purchased") "(" [argument ("," argument)*] ")"
///             | "segment" "(" value ")"
/// argument   := ("department" | "within" | "arrived" | "count") "=" value
/// value      := name | number | 'quoted text' | duration (7d, 2w)
/// ```
///
/// Keywords are case-insensitive. Every error names the column and what was expected there.
public struct RuleParser {
    private let text: [Character]
    private var tokens: [Token] = []
    private var index = 0

    /// Parses `text`; throws `.badInput` with the column and a pointer under the rule.
    public static func parse(_ text: String) throws(OmnisegError) -> SegmentRule {
        var parser = RuleParser(text: Array(text))
        try parser.tokenize()
        let rule = try parser.parseOr()
        guard parser.current.kind == .end else {
            throw parser.error("expected AND, OR or the end of the rule", at: parser.current)
        }
        return rule
    }

    private init(text: [Character]) { self.text = text }

    // MARK: Tokens

    private struct Token {
        enum Kind: Equatable { case name, number, duration, quoted, symbol, end }
        var kind: Kind
        var value: String
        /// 0-based character offset.
        var offset: Int
        var number: Double = 0
        var days = 0

        func isKeyword(_ word: String) -> Bool { kind == .name && value.lowercased() == word.lowercased() }
        func isSymbol(_ s: String) -> Bool { kind == .symbol && value == s }

        /// How the token reads in an error message.
        var described: String {
            switch kind {
            case .end: return "the end of the rule"
            case .quoted: return "'\(value)'"
            default: return "'\(value)'"
            }
        }
    }

    private mutating func tokenize() throws(OmnisegError) {
        var i = 0
        while i < text.count {
            let c = text[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isLetter || c == "_" {
                while i < text.count && (text[i].isLetter || text[i].isNumber || text[i] == "_") { i += 1 }
                tokens.append(Token(kind: .name, value: String(text[start..<i]), offset: start))
            } else if c.isNumber || (c == "." && i + 1 < text.count && text[i + 1].isNumber) || (c == "-" && i + 1 < text.count && (text[i + 1].isNumber || text[i + 1] == ".")) {
                i += 1
                while i < text.count && (text[i].isNumber || text[i] == ".") { i += 1 }
                let digits = String(text[start..<i])
                guard let value = Double(digits) else { throw error("'\(digits)' is not a number", offset: start) }
                if i < text.count && (text[i] == "d" || text[i] == "w") && !(i + 1 < text.count && (text[i + 1].isLetter || text[i + 1].isNumber)) {
                    let unit = text[i]
                    i += 1
                    guard value >= 0, value == value.rounded(), value <= 36_500 else {
                        throw error("a duration is a whole number of days (7d) or weeks (2w) up to 100 years, not '\(digits)\(unit)'", offset: start)
                    }
                    tokens.append(Token(kind: .duration, value: String(text[start..<i]), offset: start, number: value, days: Int(value) * (unit == "w" ? 7 : 1)))
                } else {
                    guard i >= text.count || !(text[i].isLetter || text[i] == "_") else {
                        throw error("expected a number, a duration (7d, 2w) or a space after '\(digits)', found '\(text[i])'", offset: i)
                    }
                    tokens.append(Token(kind: .number, value: digits, offset: start, number: value))
                }
            } else if c == "'" || c == "\"" {
                i += 1
                var value = ""
                var closed = false
                while i < text.count {
                    if text[i] == c {
                        // A doubled quote stands for itself.
                        if i + 1 < text.count && text[i + 1] == c { value.append(c); i += 2; continue }
                        closed = true
                        i += 1
                        break
                    }
                    value.append(text[i])
                    i += 1
                }
                guard closed else { throw error("the quoted text that starts here is never closed (expected \(c))", offset: start) }
                tokens.append(Token(kind: .quoted, value: value, offset: start))
            } else if "<>!=".contains(c) {
                i += 1
                if i < text.count && text[i] == "=" { i += 1 }
                let symbol = String(text[start..<i])
                guard RuleParserSymbols.comparisons[symbol] != nil else {
                    throw error("'\(symbol)' is not a comparison; expected =, !=, <, <=, > or >=", offset: start)
                }
                tokens.append(Token(kind: .symbol, value: symbol, offset: start))
            } else if "(),".contains(c) {
                i += 1
                tokens.append(Token(kind: .symbol, value: String(c), offset: start))
            } else {
                throw error("unexpected character '\(c)': expected a name, a number, quoted text, a comparison, a parenthesis or a comma", offset: start)
            }
        }
        tokens.append(Token(kind: .end, value: "", offset: text.count))
    }

    private var current: Token { tokens[index] }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func expectSymbol(_ symbol: String, _ what: String) throws(OmnisegError) {
        guard current.isSymbol(symbol) else { throw error("expected \(what), found \(current.described)", at: current) }
        _ = advance()
    }

    // MARK: Grammar

    private mutating func parseOr() throws(OmnisegError) -> SegmentRule {
        var rule = try parseAnd()
        while current.isKeyword("or") {
            _ = advance()
            rule = .or(rule, try parseAnd())
        }
        return rule
    }

    private mutating func parseAnd() throws(OmnisegError) -> SegmentRule {
        var rule = try parseUnary()
        while current.isKeyword("and") {
            _ = advance()
            rule = .and(rule, try parseUnary())
        }
        return rule
    }

    private mutating func parseUnary() throws(OmnisegError) -> SegmentRule {
        if current.isKeyword("not") {
            _ = advance()
            return .not(try parseUnary())
        }
        if current.isSymbol("(") {
            _ = advance()
            let inner = try parseOr()
            try expectSymbol(")", "')' to close the parenthesis")
            return inner
        }
        return try parseCondition()
    }

    private mutating func parseCondition() throws(OmnisegError) -> SegmentRule {
        let head = current
        guard head.kind == .name, !["and", "or", "in"].contains(head.value.lowercased()) else {
            throw error("expected a condition (a field such as lifecycle, rfm, channel or a feature column; share(…), viewed(…), "
                        + "carted(…), purchased(…), segment(…); NOT or a parenthesis), found \(head.described)", at: head)
        }
        _ = advance()
        let name = head.value.lowercased()
        if current.isSymbol("(") {
            return try parseCall(name, at: head)
        }
        var negated = false
        if current.isKeyword("not") {
            _ = advance()
            guard current.isKeyword("in") else { throw error("expected IN after '\(head.value) NOT', found \(current.described)", at: current) }
            negated = true
        }
        if current.isKeyword("in") {
            _ = advance()
            try expectSymbol("(", "'(' to open the list of values after IN")
            var values = [try parseName("a value in the list")]
            while current.isSymbol(",") {
                _ = advance()
                values.append(try parseName("a value after ','"))
            }
            try expectSymbol(")", "',' or ')' to close the list of values")
            return .membership(field: name, values: values, negated: negated)
        }
        guard current.kind == .symbol, let comparison = RuleParserSymbols.comparisons[current.value] else {
            throw error("expected a comparison (=, !=, <, <=, >, >=) or IN after '\(head.value)', found \(current.described)", at: current)
        }
        _ = advance()
        let value = current
        switch value.kind {
        case .number:
            _ = advance()
            return .compare(field: name, comparison: comparison, value: value.number)
        case .name, .quoted:
            guard comparison == .equal || comparison == .notEqual else {
                throw error("'\(comparison.rawValue)' compares numbers; a name such as \(value.described) takes = or !=", at: value)
            }
            _ = advance()
            return .membership(field: name, values: [value.value.lowercased()], negated: comparison == .notEqual)
        default:
            throw error("expected a value after '\(comparison.rawValue)' (a name, a number or quoted text), found \(value.described)", at: value)
        }
    }

    private mutating func parseName(_ what: String) throws(OmnisegError) -> String {
        let token = current
        guard token.kind == .name || token.kind == .quoted || token.kind == .number else {
            throw error("expected \(what) (a name, a number or quoted text), found \(token.described)", at: token)
        }
        _ = advance()
        return token.value.lowercased()
    }

    private mutating func parseCall(_ name: String, at head: Token) throws(OmnisegError) -> SegmentRule {
        _ = advance() // (
        switch name {
        case "share":
            let department = try parseName("a department inside share(…)")
            try expectSymbol(")", "')' after the department of share(…)")
            guard current.kind == .symbol, let comparison = RuleParserSymbols.comparisons[current.value] else {
                throw error("expected a comparison after share(\(department)), such as >= 0.3, found \(current.described)", at: current)
            }
            _ = advance()
            guard current.kind == .number else {
                throw error("expected a share between 0 and 1 after '\(comparison.rawValue)', found \(current.described)", at: current)
            }
            let value = advance().number
            return .share(department: department, comparison: comparison, value: value)
        case "segment":
            let saved = try parseName("the name of a saved segment inside segment(…)")
            try expectSymbol(")", "')' after the segment's name")
            return .saved(name: saved)
        default:
            guard let activity = SegmentRule.Activity(rawValue: name) else {
                throw error("unknown function '\(head.value)': expected share, viewed, carted, purchased or segment", at: head)
            }
            var department: String?, within: Int?, arrived: Int?, minimum = 1
            var seen: Set<String> = []
            while !current.isSymbol(")") {
                if !seen.isEmpty { try expectSymbol(",", "',' or ')' in \(name)(…)") }
                let key = current
                guard key.kind == .name, ["department", "within", "arrived", "count"].contains(key.value.lowercased()) else {
                    throw error("expected department =, within =, arrived = or count = inside \(name)(…), found \(key.described)", at: key)
                }
                let k = key.value.lowercased()
                guard seen.insert(k).inserted else { throw error("'\(k)' is given twice in \(name)(…)", at: key) }
                _ = advance()
                try expectSymbol("=", "'=' after '\(k)'")
                let value = current
                switch k {
                case "department":
                    department = try parseName("a department after 'department ='")
                case "within", "arrived":
                    guard value.kind == .duration, value.days > 0 else {
                        throw error("expected a duration after '\(k) =', such as 7d or 2w, found \(value.described)", at: value)
                    }
                    if k == "within" { within = advance().days } else { arrived = advance().days }
                default:
                    guard value.kind == .number, value.number >= 1, value.number == value.number.rounded(), value.number <= 1e9 else {
                        throw error("expected a whole number of at least 1 after 'count =', found \(value.described)", at: value)
                    }
                    minimum = Int(advance().number)
                }
            }
            _ = advance() // )
            return .activity(activity, department: department, withinDays: within, minimum: minimum, arrivedDays: arrived)
        }
    }

    // MARK: Errors

    private func error(_ message: String, at token: Token) -> OmnisegError { error(message, offset: token.offset) }

    private func error(_ message: String, offset: Int) -> OmnisegError {
        let rule = String(text)
        let pointer = String(repeating: " ", count: offset) + "^"
        return OmnisegError(.badInput, "cannot parse the rule at column \(offset + 1): \(message)\n  \(rule)\n  \(pointer)",
                            context: [("column", "\(offset + 1)")])
    }
}

/// The comparison symbols of the rule language.
enum RuleParserSymbols {
    static let comparisons: [String: SegmentRule.Comparison] =
        Dictionary(uniqueKeysWithValues: SegmentRule.Comparison.allCases.map { ($0.rawValue, $0) })
}
