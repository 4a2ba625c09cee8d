import OmnisegCore

/// What the recommender treats as one item: a SKU, or a whole department.
public enum ItemLevel: String, Sendable, CaseIterable {
    case item
    case department
}

/// The items interactions refer to, by dense id: id i is `names[i]` (a SKU, or a department at the
/// department level), in `departmentNames[departments[i]]`. Ids follow the sorted names, so the same
/// workspace gives the same ids whatever order its rows were read in.
public struct ItemCatalog: Sendable, Equatable {
    public var level: ItemLevel
    public var names: [String]
    public var departments: [UInt16]
    public var departmentNames: [String]

    public init(level: ItemLevel, names: [String], departments: [UInt16], departmentNames: [String]) {
        self.level = level
        self.names = names
        self.departments = departments
        self.departmentNames = departmentNames
    }

    public var count: Int { names.count }

    /// The department name of item `i`.
    public func department(of i: Int) -> String { departmentNames[Int(departments[i])] }

    /// The id of the item named `name`, or nil.
    public func id(of name: String) -> Int? {
        var lo = 0, hi = names.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if names[mid] < name { lo = mid + 1 } else { hi = mid }
        }
        return lo < names.count && names[lo] == name ? lo : nil
    }

    func encode(into writer: inout WireWriter) {
        writer.string(level.rawValue)
        writer.count(departmentNames.count)
        for d in departmentNames { writer.string(d) }
        writer.count(names.count)
        for (name, department) in zip(names, departments) {
            writer.string(name)
            writer.u16(department)
        }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> ItemCatalog {
        guard let level = ItemLevel(rawValue: try reader.string(limit: 32)) else { throw reader.failure("unknown item level") }
        var departmentNames: [String] = []
        for _ in 0..<(try reader.count(limit: 1 << 16)) { departmentNames.append(try reader.string(limit: 1024)) }
        let count = try reader.count(limit: 1 << 26)
        guard count * 6 <= reader.remaining else { throw reader.failure("it lists \(count) items in \(reader.remaining) bytes") }
        var names: [String] = [], departments: [UInt16] = []
        names.reserveCapacity(count)
        departments.reserveCapacity(count)
        for _ in 0..<count {
            names.append(try reader.string(limit: 1024))
            let department = try reader.u16()
            guard Int(department) < departmentNames.count else { throw reader.failure("item department \(department) is not one of \(departmentNames.count)") }
            departments.append(department)
        }
        return ItemCatalog(level: level, names: names, departments: departments, departmentNames: departmentNames)
    }
}
