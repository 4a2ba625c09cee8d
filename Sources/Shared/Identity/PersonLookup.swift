import OmnisegCore
import Workspace

/// Maps a (source, source id) pair, as bytes, to its person's row: the workspace's people (the ids
/// not merged away) in ascending id order, so row r is person `rows.id(ofRow: r)`.
public struct PersonLookup {
    private var table: ByteKeyTable
    /// The person id of each row, and the identity generation they are of.
    public let rows: PersonRows
    /// The number of people (rows).
    public var people: Int { rows.count }

    /// Loads the links written by ``IdentityResolver``; throws when resolution has not run.
    public init(workspace: Workspace) throws(OmnisegError) {
        let count = try workspace.count(.personLinks)
        guard count > 0 else {
            throw OmnisegError(.precondition, "no people yet: run `omniseg resolve` first", context: [("workspace", workspace.path)])
        }
        let generation = try IdentityGenerations.current(in: workspace.db)
        var ids: [Int64] = []
        let people = try workspace.db.prepare("SELECT DISTINCT person_id FROM person_link ORDER BY person_id")
        while try people.step() { ids.append(people.int64(at: 0)) }
        let rows = PersonRows(ids: ids, generation: generation)
        var table = ByteKeyTable(capacity: count)
        let statement = try workspace.db.prepare("SELECT source, source_id, person_id FROM person_link")
        while try statement.step() {
            guard let row = rows.row(ofID: statement.int64(at: 2)) else { continue }
            statement.withBytes(at: 0) { source in statement.withBytes(at: 1) { id in _ = table.insert(source, id, value: Int32(row)) } }
        }
        self.table = table
        self.rows = rows
    }

    /// The links of the people feature set `setID` was built on: throws unless the workspace is still on
    /// the identity generation of `people` (after a resolve that changed who is who, the set's rows are
    /// other people's, so records must not be read into them).
    public init(workspace: Workspace, rowsOf people: PersonRows, setID: Int64) throws(OmnisegError) {
        try self.init(workspace: workspace)
        guard rows == people else { throw IdentityGenerations.stale(setID: setID, people: people, current: rows.generation, workspace: workspace.path) }
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
