/// A bench mode's arguments: `--name value` options and the plain arguments (files), in order.
enum BenchArguments {
    static func parse(_ args: [String]) -> (options: [String: String], files: [String]) {
        var options: [String: String] = [:]
        var files: [String] = []
        var it = args.makeIterator()
        while let a = it.next() {
            if a.hasPrefix("--") { options[String(a.dropFirst(2))] = it.next() ?? "" } else { files.append(a) }
        }
        return (options, files)
    }
}
