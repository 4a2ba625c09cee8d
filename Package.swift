// swift-tools-version:6.0
import PackageDescription

// The target list is the architecture, lower layers first (docs/ARCHITECTURE.md draws the graph).
// SwiftPM refuses a dependency cycle between targets, so the layering is checked on every build.
// Each module lives in Sources/Shared/<Folder>; a job kind's folder holds two targets: `Compute`
// (what workers run: no SQLite) and `Workspace` (prepare and store, where the workspace is).

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

/// A library target in Sources/Shared/<folder>.
func module(_ name: String, _ folder: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Shared/\(folder)")
}

/// A library target in Sources/Shared/<name>.
func module(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    module(name, name, dependencies)
}

/// A test target under Tests/<name>.
func tests(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .testTarget(name: name, dependencies: dependencies + ["TestSupport"], path: "Tests/\(name)")
}

let package = Package(
    name: "Omniseg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "omniseg", targets: ["Coordinator"]),
        .executable(name: "omniseg-worker", targets: ["Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // The string kernels' loops, inlined into each variant below (no flags of its own).
        .target(name: "KernelsCommon"),
        // The hottest loops, compiled once per instruction set; Kernels picks one at run time from the
        // CPU's features, so one binary runs on any x86-64 host.
        .target(
            name: "KernelsAVX512",
            dependencies: ["KernelsCommon"],
            swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512", "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw",
                                          "-Xcc", "-mavx512vl", "-Xcc", "-mavx512dq", "-Xcc", "-mfma"])]
        ),
        .target(
            name: "KernelsAVX2",
            dependencies: ["KernelsCommon"],
            swiftSettings: [.unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-mavx2", "-Xcc", "-mfma"])]
        ),
        // Kernels that need gathers (macros Swift cannot import): C, one function per instruction set
        // (function-level target attributes), chosen at run time like the others.
        .target(name: "KernelsC", cSettings: [.unsafeFlags(["-O3"])]),

        // Core: ids, errors, channels, binary codecs, checksums, dates, small support types.
        module("OmnisegCore", "Core", [logging]),
        // Columnar feature shards and matrices (no storage).
        module("Features", ["OmnisegCore"]),
        // The safe face of the per-instruction-set kernels, with the run-time dispatcher.
        module("Kernels", ["OmnisegCore", "Features", "KernelsAVX512", "KernelsAVX2", "KernelsC"]),
        // Decision trees and random forests (training and batch scoring).
        module("Forest", ["OmnisegCore", "Features", "Kernels", "KernelsC"]),
        // The Redis client over hiredis.
        module("RedisClient", ["OmnisegCore", "CHiredis", logging]),
        // The workspace: one SQLite database, its schema and migrations.
        module("Workspace", ["OmnisegCore", "CSQLite"]),
        // The workspace side of the data's path: ingest, identity, features.
        module("Ingest", ["OmnisegCore", "Workspace"]),
        module("Identity", ["OmnisegCore", "Workspace", "Ingest", "Matching"]),
        module("FeatureStore", ["OmnisegCore", "Features", "Workspace", "Identity"]),
        module("Synthetic", ["OmnisegCore", "Workspace", "Ingest", "Identity"]),

        // The job contract (kinds, parameters, drivers, the in-process transport): no I/O.
        module("JobRuntime", ["OmnisegCore", "Features"]),
        // The Redis stream protocol: keys, scripts, envelopes, frames, blobs, the queue client.
        module("QueueProtocol", ["OmnisegCore", "Features", "RedisClient", "JobRuntime", logging]),

        // The analytics, each a job kind folder: Compute (workers) and Workspace (prepare, store).
        // Record matching's compute sits below Identity, which applies its results.
        module("Matching", "Matching/Compute", ["OmnisegCore", "JobRuntime", "Kernels", "KernelsCommon", "KernelsAVX2", "KernelsAVX512"]),
        module("Profiling", ["OmnisegCore", "Features", "JobRuntime"]),
        module("Clustering", "Clustering/Compute", ["OmnisegCore", "Features", "Kernels", "JobRuntime"]),
        module("Churn", "Churn/Compute", ["OmnisegCore", "Features", "Kernels", "Forest", "JobRuntime"]),
        module("Recommend", "Recommend/Compute", ["OmnisegCore", "Features", "JobRuntime"]),
        module("Segments", "Segments/Compute", ["OmnisegCore", "Features", "Kernels", "JobRuntime", "Recommend"]),
        // Every kind a worker runs, by name.
        module("JobKinds", ["OmnisegCore", "JobRuntime", "Profiling", "Clustering", "Churn", "Recommend", "Segments", "Matching"]),

        // Where the workspace is: the job ledger and the workspace side of each kind.
        module("WorkspaceJobs", ["OmnisegCore", "Features", "Workspace", "JobRuntime"]),
        module("MatchingWorkspace", "Matching/Workspace", ["OmnisegCore", "Workspace", "JobRuntime", "WorkspaceJobs", "Identity", "Matching"]),
        module("ClusteringWorkspace", "Clustering/Workspace", ["OmnisegCore", "Features", "Workspace", "WorkspaceJobs", "Clustering"]),
        module("ChurnWorkspace", "Churn/Workspace", ["OmnisegCore", "Features", "Workspace", "JobRuntime", "WorkspaceJobs", "Identity", "Ingest", "Churn"]),
        module("RecommendWorkspace", "Recommend/Workspace", ["OmnisegCore", "Features", "Workspace", "JobRuntime", "WorkspaceJobs", "Identity", "Recommend"]),
        module("SegmentsWorkspace", "Segments/Workspace",
               ["OmnisegCore", "Features", "Workspace", "JobRuntime", "WorkspaceJobs", "Identity", "Segments", "Recommend", "RecommendWorkspace",
                "Clustering", "Churn"]),

        // The coordinator (plan, dispatch, merge, checkpoints) and the embedded host.
        module("Coordination", ["OmnisegCore", "Features", "Workspace", "FeatureStore", "RedisClient", "QueueProtocol", "JobRuntime",
                                "JobKinds", "WorkspaceJobs", "ClusteringWorkspace", "ChurnWorkspace", "RecommendWorkspace",
                                "SegmentsWorkspace", "MatchingWorkspace", logging]),
        // The worker: pulls tasks, runs kernels, returns partials. Links no SQLite.
        module("WorkerRuntime", ["OmnisegCore", "Features", "Kernels", "RedisClient", "QueueProtocol", "JobRuntime", "JobKinds", logging]),
        // The self-contained HTML report.
        module("Report", ["OmnisegCore", "Features", "Workspace", "JobRuntime", "FeatureStore", "WorkspaceJobs", "Clustering", "Churn", "ChurnWorkspace",
                          "Recommend", "RecommendWorkspace", "Segments", "SegmentsWorkspace", "Coordination", "Identity"]),

        .executableTarget(
            name: "Coordinator",
            dependencies: ["OmnisegCore", "Features", "Workspace", "Ingest", "Identity", "FeatureStore", "Synthetic", "RedisClient",
                           "QueueProtocol", "JobRuntime", "JobKinds", "WorkspaceJobs", "Profiling", "Clustering", "ClusteringWorkspace",
                           "Churn", "ChurnWorkspace", "Recommend", "RecommendWorkspace", "Segments", "SegmentsWorkspace",
                           "Matching", "MatchingWorkspace", "Coordination", "Report", argumentParser, logging]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: ["OmnisegCore", "RedisClient", "QueueProtocol", "WorkerRuntime", argumentParser, logging]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: ["OmnisegCore", "Features", "Kernels", "KernelsAVX512", "Forest", "Workspace", "FeatureStore", "Synthetic",
                           "JobRuntime", "JobKinds", "Profiling", "Clustering", "Churn", "Recommend", "Segments", "WorkspaceJobs",
                           "Coordination", "Identity", "Ingest", "Report", "Matching"],
            path: "bench/Sources/Bench"
        ),

        // Seeded mutation fuzzing of every decoder (`make fuzz`; a short run is in FuzzTests).
        .target(
            name: "FuzzKit",
            dependencies: ["OmnisegCore", "Features", "Workspace", "Ingest", "FeatureStore", "Synthetic", "QueueProtocol",
                           "JobRuntime", "JobKinds", "WorkspaceJobs", "ClusteringWorkspace", "ChurnWorkspace", "RecommendWorkspace",
                           "SegmentsWorkspace", "Identity", "Matching", "MatchingWorkspace"],
            path: "fuzz/Sources/FuzzKit"
        ),
        .executableTarget(name: "Fuzz", dependencies: ["FuzzKit", "OmnisegCore", argumentParser], path: "fuzz/Sources/Fuzz"),

        // Helpers the tests share (temporary folders, a redis-server per test run, generated workspaces).
        .target(
            name: "TestSupport",
            dependencies: ["OmnisegCore", "Features", "Workspace", "Ingest", "Identity", "FeatureStore", "Synthetic", "RedisClient",
                           "QueueProtocol", "JobRuntime", "JobKinds", "WorkspaceJobs", "Coordination", "Kernels"],
            path: "Tests/TestSupport"
        ),
        tests("CoreTests", ["OmnisegCore", "Identity", "Synthetic"]),
        tests("IngestTests", ["OmnisegCore", "Workspace", "Ingest"]),
        tests("IdentityTests", ["OmnisegCore", "Workspace", "Ingest", "Identity", "Matching"]),
        tests("MatchingTests", ["OmnisegCore", "JobRuntime", "JobKinds", "Kernels", "Matching"]),
        tests("FeatureStoreTests", ["OmnisegCore", "Features", "Workspace", "Ingest", "Identity", "FeatureStore"]),
        tests("KernelsTests", ["OmnisegCore", "Features", "Kernels", "Forest", "Clustering"]),
        tests("ForestTests", ["OmnisegCore", "Features", "Kernels", "Forest"]),
        tests("JobRuntimeTests", ["OmnisegCore", "JobRuntime", "JobKinds", "Clustering", "Recommend", "Segments"]),
        tests("ClusteringTests", ["OmnisegCore", "Features", "Kernels", "JobRuntime", "JobKinds", "Profiling", "Clustering",
                                  "ClusteringWorkspace", "Coordination", "FeatureStore", "Workspace"]),
        tests("ChurnTests", ["OmnisegCore", "Features", "Workspace", "FeatureStore", "Forest", "JobRuntime", "Churn", "ChurnWorkspace",
                             "WorkspaceJobs", "Coordination", "Synthetic", "Ingest"]),
        tests("RecommendTests", ["OmnisegCore", "Features", "Workspace", "FeatureStore", "JobRuntime", "JobKinds", "Recommend",
                                 "RecommendWorkspace", "WorkspaceJobs", "Coordination", "Synthetic", "Ingest"]),
        tests("SegmentsTests", ["OmnisegCore", "Features", "Kernels", "Workspace", "FeatureStore", "JobRuntime", "Recommend", "Segments",
                                "SegmentsWorkspace", "Clustering", "ClusteringWorkspace", "Churn", "ChurnWorkspace", "WorkspaceJobs",
                                "Coordination", "Synthetic", "Identity"]),
        tests("QueueProtocolTests", ["OmnisegCore", "Features", "RedisClient", "QueueProtocol", "JobRuntime", "JobKinds", "Clustering",
                                     "Profiling", "Workspace", "WorkspaceJobs"]),
        tests("ReportTests", ["OmnisegCore", "Workspace", "FeatureStore", "Report", "Coordination", "WorkspaceJobs", "Segments",
                              "SegmentsWorkspace", "Synthetic"]),
        tests("WorkspaceJobsTests", ["OmnisegCore", "Workspace", "JobRuntime", "JobKinds", "WorkspaceJobs", "Profiling"]),
        tests("ProfilingTests", ["OmnisegCore", "JobRuntime", "Profiling"]),
        tests("FuzzTests", ["FuzzKit"]),
        tests("CoordinationTests", ["OmnisegCore", "Features", "Workspace", "Ingest", "Identity", "FeatureStore", "Synthetic", "RedisClient",
                                    "QueueProtocol", "JobRuntime", "JobKinds", "WorkspaceJobs", "Coordination", "Clustering", "Churn",
                                    "Recommend", "Segments", "Profiling", "Kernels", "Forest", "Matching"]),
    ]
)
