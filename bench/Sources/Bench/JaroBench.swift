import Foundation
import Kernels
import Matching
import OmnisegCore

/// `Bench --jaro PAIRS`: Jaro–Winkler similarities and banded Levenshtein distances (limit 1, as the
/// name levels ask) per second over the name pairs of a file (one pair per line, the two names
/// separated by a tab, already normalized), per kernel variant this CPU runs, on one thread; the best
/// of five passes. Prints one measurement per kernel and variant (rows: pairs; bytes: the names'
/// bytes) and the results' sum per variant, which must agree to the last bit.
enum JaroBench {
    static func run(_ arguments: [String]) {
        guard let path = arguments.first, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            StandardError.write("usage: Bench --jaro PAIRS-FILE (lines: name TAB name)\n")
            exit(64)
        }
        // Every name in one buffer, pairs as offset ranges: the timed loop reads, never allocates.
        var bytes: [UInt8] = []
        var pairs: [(Range<Int>, Range<Int>)] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let a = bytes.count..<(bytes.count + parts[0].utf8.count)
            bytes.append(contentsOf: parts[0].utf8)
            let b = bytes.count..<(bytes.count + parts[1].utf8.count)
            bytes.append(contentsOf: parts[1].utf8)
            pairs.append((a, b))
        }
        for variant in KernelVariant.supportedHere {
            var sum = 0.0
            let seconds = KernelBench.best {
                sum = bytes.withUnsafeBytes { all in
                    var total = 0.0
                    for (a, b) in pairs {
                        total += JaroWinkler.similarity(UnsafeRawBufferPointer(rebasing: all[a]), UnsafeRawBufferPointer(rebasing: all[b]), variant: variant)
                    }
                    return total
                }
            }
            emit(Measurement(name: "jaro_winkler_\(variant.rawValue)_1_thread", seconds: seconds, rows: pairs.count, bytes: bytes.count))
            print("{\"name\":\"jaro_winkler_\(variant.rawValue)_sum\",\"sum\":\(sum)}")
            var distances = 0
            let levenshteinSeconds = KernelBench.best {
                distances = bytes.withUnsafeBytes { all in
                    var total = 0
                    for (a, b) in pairs {
                        total += Levenshtein.distance(UnsafeRawBufferPointer(rebasing: all[a]), UnsafeRawBufferPointer(rebasing: all[b]), limit: 1, variant: variant)
                    }
                    return total
                }
            }
            emit(Measurement(name: "levenshtein_band1_\(variant.rawValue)_1_thread", seconds: levenshteinSeconds, rows: pairs.count, bytes: bytes.count))
            print("{\"name\":\"levenshtein_band1_\(variant.rawValue)_sum\",\"sum\":\(distances)}")
        }
    }
}
