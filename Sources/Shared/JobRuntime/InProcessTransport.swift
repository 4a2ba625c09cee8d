import Features
import Foundation
import OmnisegCore
import Synchronization

/// Embedded mode: runs an iteration's tasks on a pool of threads in this process, over inputs in memory.
public struct InProcessTransport: TaskTransport {
    public let kind: any JobKind
    /// Per task, what it reads.
    public let inputs: [TaskInput]
    public let threads: Int

    public init(kind: any JobKind, inputs: [TaskInput], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.kind = kind
        self.inputs = inputs
        self.threads = max(1, threads)
    }

    /// Tasks over `shards`, each with its entry of `taskData` (``JobPreparation/taskData``) when given.
    public init(kind: any JobKind, shards: [FeatureShard], taskData: [[UInt8]]? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.init(kind: kind, inputs: shards.indices.map { .shard(shards[$0], data: taskData?[$0] ?? []) }, threads: threads)
    }

    public func run(_ work: IterationWork, progress: (Int, Int) -> Void) throws(OmnisegError) -> [[UInt8]] {
        let inputs = self.inputs
        let results = Mutex<[[UInt8]?]>(Array(repeating: nil, count: inputs.count))
        let failure = Mutex<OmnisegError?>(nil)
        let next = Atomic<Int>(0)
        let kind = self.kind
        let state = try kind.stateBody(work.state)
        let workers = min(threads, max(1, inputs.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < inputs.count, failure.withLock({ $0 == nil }) else { return }
                    do throws(OmnisegError) {
                        let partial = try kind.runTask(input: inputs[i], iteration: work.iteration, stateBody: state, cancellation: .never)
                        results.withLock { $0[i] = partial }
                    } catch {
                        failure.withLock { if $0 == nil { $0 = error } }
                        return
                    }
                }
            }
        }
        while group.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            progress(results.withLock { $0.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }, inputs.count)
        }
        if let error = failure.withLock({ $0 }) { throw error }
        progress(inputs.count, inputs.count)
        return results.withLock { $0.map { $0 ?? [] } }
    }
}
