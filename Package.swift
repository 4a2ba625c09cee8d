// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Omniseg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "omniseg", targets: ["Coordinator"]),
        .executable(name: "omniseg-worker", targets: ["Worker"]),
        .library(name: "OmnisegShared", targets: ["Shared"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // The hottest loops, compiled once per instruction set; Shared/Kernels picks one at run time
        // from the CPU's features, so one binary runs on any x86-64 host.
        .target(
            name: "KernelsAVX512",
            swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512", "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw",
                                          "-Xcc", "-mavx512vl", "-Xcc", "-mavx512dq", "-Xcc", "-mfma"])]
        ),
        .target(
            name: "KernelsAVX2",
            swiftSettings: [.unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-mavx2", "-Xcc", "-mfma"])]
        ),
        // Kernels that need gathers (macros Swift cannot import): C, one function per instruction set
        // (function-level target attributes), chosen at run time like the others.
        .target(
            name: "KernelsC",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        .target(
            name: "Shared",
            dependencies: [
                "CSQLite",
                "CHiredis",
                "KernelsAVX512",
                "KernelsAVX2",
                "KernelsC",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "Shared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "Shared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: ["Shared", "KernelsAVX512"],
            path: "bench/Sources/Bench"
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared"]
        ),
    ]
)
