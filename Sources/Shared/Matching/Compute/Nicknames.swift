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
    /// formal name; the names it is short for, for a short form.
    private static let formal: [String: [Int32]] = {
        let names = groups.keys.sorted()
        var map: [String: Set<Int32>] = [:]
        for (index, name) in names.enumerated() {
            map[name, default: []].insert(Int32(index))
            for short in groups[name] ?? [] { map[short, default: []].insert(Int32(index)) }
        }
        return map.mapValues { $0.sorted() }
    }()

    /// The formal names `name` (normalized) is a form of, sorted; empty when it is no known name.
    public static func forms(of name: UnsafeRawBufferPointer) -> [Int32] {
        guard !name.isEmpty, name.count <= 16 else { return [] }
        return formal[String(decoding: name, as: UTF8.self)] ?? []
    }

    /// Whether two names' forms (``forms(of:)``) share a formal name.
    public static func related(_ x: [Int32], _ y: [Int32]) -> Bool {
        guard !x.isEmpty, !y.isEmpty else { return false }
        return x.contains { y.contains($0) }
    }

    /// Whether `a` and `b` (normalized, different) are a name and one of its short forms, or two short
    /// forms of one name.
    public static func related(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        related(forms(of: a), forms(of: b))
    }
}
