import Foundation

/// The SIMD instruction sets of this CPU, read from `/proc/cpuinfo` (Linux).
public enum CPUFeatures {
    /// The widest SIMD level the kernels can use here: `avx512`, `avx2`, `sse4.2` or `baseline`.
    public static let simdLevel: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return "baseline" }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"]) { return "avx512" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "avx2" }
        if flags.contains("sse4_2") { return "sse4.2" }
        return "baseline"
    }()

    /// Online cores.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// This host's name.
    public static var hostName: String { ProcessInfo.processInfo.hostName }
}
