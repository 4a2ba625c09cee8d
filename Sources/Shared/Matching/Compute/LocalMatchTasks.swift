import OmnisegCore
import Synchronization

/// The tasks of a `match` job run in the process that planned it: each task's blocks over the whole
/// record list and one table of every record, handed over as they are instead of encoded into blobs
/// and decoded again. A task compares the same pairs in the same order as from its blob (a blob's
/// records are in ascending order of their index in the whole list), through a table of the same
/// records classed by the same frequencies, so its partials are the same bytes.
final class LocalMatchTasks: Sendable {
    private let tasks: [MatchBlocks]
    private let table: MatchRecordTable
    /// Each task's patterns once counted, for its scoring pass.
    private let patterns: Mutex<[[ComparisonPattern]?]>

    /// The tasks of `plan`, made of `records` (with `people`); names classed by `frequencies` (the
    /// plan's model's).
    init(_ plan: MatchPlan, records: [MatchRecord], people: [Int], frequencies: TermFrequencies) {
        let index = (0..<records.count).map { UInt32($0) }
        let person = people.map { UInt32(truncatingIfNeeded: $0) }
        let blockOf = plan.blockOf.map { $0.map { UInt32(bitPattern: $0) } }
        tasks = plan.runs.map { run in
            MatchBlocks(index: index, person: person, blockOf: blockOf,
                        blocks: plan.blocks[run].map { (rule: $0.rule, members: $0.members.map { UInt32($0) }) })
        }
        if let table = plan.table, table.frequencies == frequencies {
            self.table = table
        } else {
            table = MatchRecordTable(records, frequencies: frequencies)
        }
        patterns = Mutex([[ComparisonPattern]?](repeating: nil, count: plan.runs.count))
    }

    var count: Int { tasks.count }

    /// Task `task`'s input, names classed by `frequencies`, with its patterns when counted.
    func decoded(_ task: Int, frequencies: TermFrequencies) throws(OmnisegError) -> MatchTaskCache.Decoded {
        guard tasks.indices.contains(task) else { throw OmnisegError(.corrupt, "match task \(task) is not one of this process's \(tasks.count)") }
        guard table.frequencies == frequencies else { throw OmnisegError(.corrupt, "match task \(task) is scored with other name frequencies than it was planned with") }
        return MatchTaskCache.Decoded(blocks: tasks[task], table: table, patterns: patterns.withLock { $0[task] })
    }

    /// Keeps task `task`'s counted patterns for its scoring pass.
    func remember(_ patterns: [ComparisonPattern], of task: Int) {
        self.patterns.withLock { $0[task] = patterns }
    }
}
