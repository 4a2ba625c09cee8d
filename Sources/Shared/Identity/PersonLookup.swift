import OmnisegCore
import Workspace

/// Maps a (source, source id) pair, as bytes, to its person's row (person id − 1).
public struct PersonLookup {
    private var table: ByteKeyTable
    /// The number of people (rows).
    public let people: Int

    /// Loads the links written by ``IdentityResolver``; throws when resolution has not run.
    public init(workspace: Workspace) throws(OmnisegError) {
        let count = try workspace.count(.personLinks)
        guard count > 0 else {
            throw OmnisegError(.precondition, "no people yet: run `omniseg resolve` first", context: [("workspace", workspace.path)])
        }
        var table = ByteKeyTable(capacity: count)
        var people = 0
        let statement = try workspace.db.prepare("SELECT source, source_id, person_id FROM person_link")
        while try statement.step() {
            let row = Int32(statement.int64(at: 2) - 1)
            people = max(people, Int(row) + 1)
            statement.withBytes(at: 0) { source in statement.withBytes(at: 1) { id in _ = table.insert(source, id, value: row) } }
        }
        self.table = table
        self.people = people
    }

    /// The row of the person the record belongs to, or nil for a record resolution has not seen.
    @inline(__always)
    public func row(source: UnsafeRawBufferPointer, sourceID: UnsafeRawBufferPointer) -> Int? {
        table.find(source, sourceID).map(Int.init)
    }

    /// The person row of the current row of `statement`, whose columns 0 and 1 are source and source id.
    @inline(__always)
    public func row(ofCurrentRowOf statement: SQLiteStatement) -> Int? {
        statement.withBytes(at: 0) { source in statement.withBytes(at: 1) { id in row(source: source, sourceID: id) } }
    }
}
