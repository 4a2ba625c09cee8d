import Matching
import OmnisegCore
import Workspace

/// The records an incremental resolve works on: the records changed since the last resolve, closed
/// under the person each record was, every exact key that links now or linked before, labels, and
/// (with matching) every stored pair at or above the link threshold. Whatever lies outside has the
/// same inputs as before, so it keeps its people.
///
/// Creating one reads the change log and brings the index's keys of the changed records up to date;
/// ``close(_:)`` follows the links from the records added so far, and can be called again after
/// ``add(_:)`` (matching found new links).
struct PartClosure {
    /// What the closure found: the records (in key order, as a full resolve orders them) and what
    /// they were linked to before, and the keys too many records of the whole workspace carry.
    struct Part {
        var records: [IdentityResolver.Record] = []
        var before = IdentityResolver.Before(previous: [], previousRules: [])
        var shared: Set<IdentityKeyIndex.Key> = []
        /// Records in the change log.
        var changed: Set<RecordKey> = []
    }

    /// Stored pairs that link, followed when matching.
    struct LinkingPairs {
        let byA: SQLiteStatement
        let byB: SQLiteStatement
        let model: MatchModel
        let linkThreshold: Double
    }

    private let resolver: IdentityResolver
    private let reader: IdentityResolver.RecordReader
    private let keys: IdentityKeyIndex.Access
    private let linkOf: SQLiteStatement
    private let recordsOf: SQLiteStatement
    private let pairs: LinkingPairs?
    private let maxRecordsPerKey: Int
    private var labelled: [RecordKey: [RecordKey]] = [:]
    /// Per key touched by a changed record, how many records carried it before the index was updated.
    private var countBefore: [IdentityKeyIndex.Key: Int] = [:]
    private var formerKeys: [RecordKey: [IdentityKeyIndex.Key]] = [:]
    private var loaded: [RecordKey: IdentityResolver.Record?] = [:]
    private var previous: [RecordKey: (person: Int64, rule: String)] = [:]
    private var seenPeople: Set<Int64> = []
    private var seenKeys: Set<IdentityKeyIndex.Key> = []
    private var queue: [RecordKey] = []
    private var queued: Set<RecordKey> = []
    private var found: [IdentityResolver.Record] = []
    private var gone: [(RecordKey, Int64)] = []
    private var shared: Set<IdentityKeyIndex.Key> = []
    private let changed: Set<RecordKey>

    /// Reads the change log and updates the index's keys of the changed records. `pairs`: follow
    /// stored pairs with these probabilities (matching); records are read with their compared fields then.
    init(_ resolver: IdentityResolver, _ index: IdentityKeyIndex, _ workspace: Workspace, pairs model: (MatchModel, Double)?,
         _ report: inout ResolveReport) throws(OmnisegError) {
        let db = index.db
        self.resolver = resolver
        maxRecordsPerKey = resolver.options.maxRecordsPerKey
        reader = try IdentityResolver.RecordReader(db, defaultCountryCode: resolver.options.defaultCountryCode, matchFields: model != nil)
        keys = try IdentityKeyIndex.Access(index)
        linkOf = try db.prepare("SELECT person_id, rule FROM person_link WHERE source = ? AND source_id = ?")
        recordsOf = try db.prepare("SELECT source, source_id FROM person_link WHERE person_id = ?")
        if let (model, threshold) = model {
            pairs = LinkingPairs(byA: try db.prepare("SELECT source_b, source_id_b, pattern FROM match_pair WHERE source_a = ? AND source_id_a = ?"),
                                 byB: try db.prepare("SELECT source_a, source_id_a, pattern FROM match_pair WHERE source_b = ? AND source_id_b = ?"),
                                 model: model, linkThreshold: threshold)
        } else {
            pairs = nil
        }
        for (a, b, _) in try MatchStore(workspace: workspace).labels() {
            labelled[a, default: []].append(b)
            labelled[b, default: []].append(a)
        }
        let changes = try index.changes(reader.normalizer)
        changed = changes.records
        // The changed records now; their keys in the index brought up to date, and each key's count
        // before that (a key that linked before and is shared now must unlink its records).
        let cap = maxRecordsPerKey + 1 + changes.records.count
        for key in changes.records.sorted() {
            let record = try reader.read(key, by: resolver, &report)
            loaded[key] = .some(record)
            let now = Set(record.map(IdentityKeyIndex.keys) ?? [])
            var held: [IdentityKeyIndex.Key] = []
            for former in Set(changes.formerKeys[key] ?? []) where try keys.holds(former, key) { held.append(former) }
            formerKeys[key] = held
            for k in now.union(held) where countBefore[k] == nil { countBefore[k] = try keys.count(k, cap: cap) }
        }
        for (key, held) in formerKeys {
            let now = Set((loaded[key] ?? nil).map(IdentityKeyIndex.keys) ?? [])
            for k in held where !now.contains(k) { try keys.set(k, key, present: false) }
            for k in now where !held.contains(k) { try keys.set(k, key, present: true) }
        }
        for key in changes.records.sorted() { add(key) }
    }

    /// Adds a record to close over.
    mutating func add(_ key: RecordKey) {
        if queued.insert(key).inserted { queue.append(key) }
    }

    /// Follows persons, keys, labels and linking pairs from every record added until nothing new is reached.
    /// A person's records were joined by keys, labels and pairs the closure follows anyway; following
    /// the person too means an index that missed a change cannot split a person silently.
    mutating func close(_ report: inout ResolveReport) throws(OmnisegError) {
        while let key = queue.popLast() {
            let record: IdentityResolver.Record?
            if let known = loaded[key] { record = known } else { record = try reader.read(key, by: resolver, &report) }
            linkOf.reset()
            try linkOf.bind([.text(key.source), .text(key.sourceID)])
            if try linkOf.step() {
                let person = linkOf.int64(at: 0)
                previous[key] = (person, linkOf.string(at: 1) ?? "single")
                if seenPeople.insert(person).inserted {
                    recordsOf.reset()
                    try recordsOf.bind([.integer(person)])
                    while try recordsOf.step() { add(RecordKey(source: recordsOf.string(at: 0) ?? "", sourceID: recordsOf.string(at: 1) ?? "")) }
                }
            }
            // A key that links now or linked before joins (or joined) its records: they are part too.
            for k in (record.map(IdentityKeyIndex.keys) ?? []) + (formerKeys[key] ?? []) where seenKeys.insert(k).inserted {
                let now = try keys.count(k, cap: maxRecordsPerKey + 1)
                if now > maxRecordsPerKey { shared.insert(k) }
                let linkedBefore = countBefore[k].map { $0 <= maxRecordsPerKey } ?? false
                guard now <= maxRecordsPerKey || linkedBefore else { continue }
                for member in try keys.members(k) { add(member) }
            }
            for other in labelled[key] ?? [] { add(other) }
            try followPairs(of: key)
            guard let record else {
                if let (person, _) = previous[key] { gone.append((key, person)) }
                continue
            }
            found.append(record)
        }
    }

    /// With matching: the records `key` has a stored pair at or above the link threshold with.
    private mutating func followPairs(of key: RecordKey) throws(OmnisegError) {
        guard let linking = pairs else { return }
        for statement in [linking.byA, linking.byB] {
            statement.reset()
            try statement.bind([.text(key.source), .text(key.sourceID)])
            while try statement.step() {
                let pattern = try MatchIndexStore.pattern(statement.int64(at: 2))
                if linking.model.probability(pattern) >= linking.linkThreshold {
                    add(RecordKey(source: statement.string(at: 0) ?? "", sourceID: statement.string(at: 1) ?? ""))
                }
            }
        }
    }

    /// The part reached so far.
    func part() -> Part {
        var part = Part(shared: shared, changed: changed)
        part.records = found.sorted { ($0.source, $0.sourceID) < ($1.source, $1.sourceID) }
        part.before.previous = part.records.map { previous[$0.key]?.person }
        part.before.previousRules = part.records.map { previous[$0.key]?.rule }
        part.before.gone = gone.sorted { $0.0 < $1.0 }
        return part
    }
}
