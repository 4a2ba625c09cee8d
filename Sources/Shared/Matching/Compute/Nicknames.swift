/// Common English given-name short forms, for the name comparison: "Bill" and "William" are one
/// name though their letters hardly agree. Lower-case, as ``MatchRecord`` normalizes names.
public enum Nicknames {
    /// Each formal name and its usual short forms.
    static let groups: [String: [String]] = [
        "william": ["bill", "billy", "will", "willy", "liam"], "robert": ["bob", "bobby", "rob", "robbie", "bert"],
        "richard": ["rick", "ricky", "rich", "dick"], "michael": ["mike", "mikey", "mick"], "james": ["jim", "jimmy", "jamie"],
        "joseph": ["joe", "joey"], "thomas": ["tom", "tommy"], "daniel": ["dan", "danny"], "matthew": ["matt"],
        "anthony": ["tony"], "steven": ["steve"], "stephen": ["steve"], "andrew": ["andy", "drew"], "joshua": ["josh"],
        "david": ["dave", "davey"], "christopher": ["chris", "kit"], "edward": ["ed", "eddie", "ted", "ned"],
        "charles": ["charlie", "chuck"], "benjamin": ["ben", "benny"], "nicholas": ["nick", "nicky"], "alexander": ["alex", "sandy"],
        "jonathan": ["jon"], "john": ["jack", "johnny"], "samuel": ["sam", "sammy"], "timothy": ["tim", "timmy"],
        "kevin": ["kev"], "brian": ["bri"], "george": ["georgie"], "paul": ["paulie"], "mark": ["marky"], "patrick": ["pat", "paddy"],
        "elizabeth": ["liz", "lizzie", "beth", "betty", "eliza"], "margaret": ["maggie", "meg", "peggy"], "katherine": ["kate", "katie", "kathy"],
        "catherine": ["cathy", "kate"], "jennifer": ["jen", "jenny"], "isabella": ["bella", "izzy"], "olivia": ["liv", "livvy"],
        "abigail": ["abby"], "charlotte": ["lottie", "charlie"], "amelia": ["millie", "amy"], "evelyn": ["evie"], "sophia": ["sophie"],
        "emily": ["em", "emmy"], "hannah": ["annie"], "victoria": ["vicky", "tori"],
        "rebecca": ["becky"], "susan": ["sue", "suzy"], "deborah": ["debbie", "deb"], "patricia": ["pat", "patty", "trish"],
        "barbara": ["barb"], "christine": ["chris", "tina"], "samantha": ["sam"], "alexandra": ["alex", "lexi"],
    ]

    /// Each name's formal names (by their index in the sorted formal names), sorted: itself, for a
    /// formal name; the names it is short for, for a short form. Keyed by the name's bytes packed in
    /// two words (names of up to 16 bytes), so a lookup makes no String.
    private static let formal: [PackedName: [Int32]] = {
        let names = groups.keys.sorted()
        var map: [PackedName: Set<Int32>] = [:]
        func key(_ name: String) -> PackedName? {
            var copy = name
            return copy.withUTF8 { PackedName(UnsafeRawBufferPointer($0)) }
        }
        for (index, name) in names.enumerated() {
            for form in [name] + (groups[name] ?? []) {
                if let k = key(form) { map[k, default: []].insert(Int32(index)) }
            }
        }
        return map.mapValues { $0.sorted() }
    }()

    /// A name of 1 to 16 bytes as two little-endian words (zero-padded; names hold no zero byte).
    private struct PackedName: Hashable {
        let low: UInt64, high: UInt64

        init?(_ bytes: UnsafeRawBufferPointer) {
            guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
            low = words.0
            high = words.1
        }
    }

    /// The formal names `name` (normalized) is a form of, sorted; empty when it is no known name.
    public static func forms(of name: UnsafeRawBufferPointer) -> [Int32] {
        guard let key = PackedName(name) else { return [] }
        return formal[key] ?? []
    }

    /// Whether two names' forms (``forms(of:)``) share a formal name.
    public static func related(_ x: [Int32], _ y: [Int32]) -> Bool {
        x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in related(x, y) } }
    }

    /// ``related(_:_:)-([Int32],[Int32])`` over buffers (the pair loops' record table).
    @inline(__always)
    static func related(_ x: UnsafeBufferPointer<Int32>, _ y: UnsafeBufferPointer<Int32>) -> Bool {
        guard !x.isEmpty, !y.isEmpty else { return false }
        return x.contains { y.contains($0) }
    }

    /// Whether `a` and `b` (normalized, different) are a name and one of its short forms, or two short
    /// forms of one name.
    public static func related(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        related(forms(of: a), forms(of: b))
    }
}
