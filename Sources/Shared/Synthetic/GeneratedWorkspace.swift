import Foundation
import Identity
import Ingest
import OmnisegCore
import Workspace

/// A workspace holding a generated retailer, ingested and resolved (no feature set yet): what the
/// tests, the fuzzer's seeds and the benchmarks start from.
public enum GeneratedWorkspace {
    /// Generates a retailer with `options` into `directory` (emptied first), ingests every file into
    /// `directory`/workspace.sqlite and resolves identities.
    public static func make(in directory: String, options: GeneratorOptions) throws(OmnisegError) -> Workspace {
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw OmnisegError(.io, "cannot create \(directory): \(error.localizedDescription)")
        }
        _ = try RetailerGenerator(options: options).write(to: directory)
        let workspace = try Workspace(path: directory + "/workspace.sqlite")
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        for kind in [IngestKind.customers, .products, .transactions, .events] {
            _ = try ingester.ingest(file: directory + "/\(kind.rawValue).csv", options: IngestOptions(kind: kind))
        }
        _ = try IdentityResolver().resolve(workspace)
        return workspace
    }
}
