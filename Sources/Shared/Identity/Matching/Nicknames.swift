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

    /// Each name's key: its formal name, for the short forms; itself, for a formal name.
    private static let formal: [String: Set<String>] = {
        var map: [String: Set<String>] = [:]
        for (name, shorts) in groups {
            map[name, default: []].insert(name)
            for short in shorts { map[short, default: []].insert(name) }
        }
        return map
    }()

    /// Whether `a` and `b` (normalized, different) are a name and one of its short forms, or two short
    /// forms of one name.
    public static func related(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count <= 16, b.count <= 16, let x = formal[String(decoding: a, as: UTF8.self)],
              let y = formal[String(decoding: b, as: UTF8.self)] else { return false }
        return !x.isDisjoint(with: y)
    }
}
