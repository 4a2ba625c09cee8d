import Foundation
import OmnisegCore
import Workspace

/// The workspace's identity generations: the one current, recording a new one with its person
/// changes, and mapping the person ids of an older generation onto the current one.
public enum IdentityGenerations {
    /// The current identity generation (0: never resolved).
    public static func current(in db: SQLiteConnection) throws(OmnisegError) -> Int64 {
        try db.scalar("SELECT max(generation) FROM identity_generation")?.integer ?? 0
    }

    /// Records generation `generation`: its new people, the ids merged away, and every change in
    /// `person_history` with its reason. Runs inside the resolve's transaction.
    static func record(_ generation: Int64, assignment: PersonIDAssigner.Assignment, newFrom nextID: Int64, report: ResolveReport,
                       reasons: (IdentityChange) -> String, in db: SQLiteConnection) throws(OmnisegError) {
        let now = Int64(Date().timeIntervalSince1970)
        try db.run("INSERT INTO identity_generation (generation, resolved_at, records, people, created, merged, split) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [.integer(generation), .integer(now), .integer(Int64(report.records)), .integer(Int64(report.people)),
                    .integer(Int64(report.created)), .integer(Int64(report.merged)), .integer(Int64(report.split))])
        let person = try db.prepare("INSERT INTO person (id, created_generation) VALUES (?, ?)")
        for id in assignment.ids where id >= nextID {
            try person.bind([.integer(id), .integer(generation)])
            try person.runAndReset()
        }
        let retire = try db.prepare("UPDATE person SET merged_into = ?, retired_generation = ? WHERE id = ?")
        let history = try db.prepare("INSERT INTO person_history (generation, at, event, person_id, other_id, records, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for change in assignment.changes {
            if change.kind == .merge {
                try retire.bind([.integer(change.person), .integer(generation), .integer(change.other)])
                try retire.runAndReset()
            }
            try history.bind([.integer(generation), .integer(now), .text(change.kind.rawValue), .integer(change.person), .integer(change.other),
                              .integer(Int64(change.records)), .text(reasons(change))])
            try history.runAndReset()
        }
    }

    /// The refusal to read records or contacts into the rows of feature set `setID`, built on
    /// `people.generation`, when the workspace is on generation `current`.
    public static func stale(setID: Int64, people: PersonRows, current: Int64, workspace: String) -> OmnisegError {
        let built = people.generation > 0 ? "identity generation \(people.generation)" : "an identity from before generations were recorded"
        return OmnisegError(.precondition, "feature set \(setID) was built on \(built); the workspace is now on generation \(current), "
                            + "whose people may have merged or split since: rebuild features with `omniseg features`", context: [("workspace", workspace)])
    }

    /// Where the people of generation `generation` are now: every id merged away since then, mapped to
    /// the id it lives on as (following merges of merges). Ids not in the map are unchanged.
    /// A person that split kept its id (and its largest part), so it maps to itself.
    public static func survivors(since generation: Int64, in db: SQLiteConnection) throws(OmnisegError) -> [Int64: Int64] {
        var mergedInto: [Int64: Int64] = [:]
        let statement = try db.prepare("SELECT id, merged_into FROM person WHERE merged_into IS NOT NULL AND retired_generation > ?")
        try statement.bind([.integer(generation)])
        while try statement.step() { mergedInto[statement.int64(at: 0)] = statement.int64(at: 1) }
        var result: [Int64: Int64] = [:]
        for start in mergedInto.keys {
            var id = start, steps = 0
            while let next = mergedInto[id], steps <= mergedInto.count {
                id = next
                steps += 1
            }
            result[start] = id
        }
        return result
    }
}
