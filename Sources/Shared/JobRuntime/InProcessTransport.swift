import Features
import Foundation
import OmnisegCore
import Synchronization

/// Embedded mode: runs an iteration's tasks on a pool of threads in this process, over shards in memory.
public struct InProcessTransport: TaskTransport {
    public let kind: any JobKind
    public let shards: [FeatureShard]
    /// Per shard, the job's shard data (``JobPreparation/shardData``), or nil.
    public let shardData: [[UInt8]]?
    public let threads: Int

    public init(kind: any JobKind, shards: [FeatureShard], shardData: [[UInt8]]? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.kind = kind
        self.shards = shards
        self.shardData = shardData
        self.threads = max(1, threads)
    }

    public func run(_ work: IterationWork, progress: (Int, Int) -> Void) throws(OmnisegError) -> [[UInt8]] {
        let results = Mutex<[[UInt8]?]>(Array(repeating: nil, count: shards.count))
        let failure = Mutex<OmnisegError?>(nil)
        let next = Atomic<Int>(0)
        let kind = self.kind
        let shards = self.shards
        let shardData = self.shardData
        let workers = min(threads, max(1, shards.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < shards.count, failure.withLock({ $0 == nil }) else { return }
                    do throws(OmnisegError) {
                        let partial = try kind.execute(shard: shards[i], data: shardData?[i] ?? [], iteration: work.iteration, state: work.state,
                                                       cancellation: .never)
                        results.withLock { $0[i] = partial }
                    } catch {
                        failure.withLock { if $0 == nil { $0 = error } }
                        return
                    }
                }
            }
        }
        while group.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            progress(results.withLock { $0.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }, shards.count)
        }
        if let error = failure.withLock({ $0 }) { throw error }
        progress(shards.count, shards.count)
        return results.withLock { $0.map { $0 ?? [] } }
    }
}
