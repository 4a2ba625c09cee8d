import Foundation
import Synchronization

/// Runs the iterations of a loop on a few threads, for the coordinator-side merges whose parts are
/// independent (decoding partials, selecting per target range). Each index runs exactly once; the
/// results are gathered by index, so their order never depends on the threads.
public enum ParallelLoop {
    /// `body(i)` for every i in 0..<count on up to `threads` threads (indices handed out one at a
    /// time, so uneven parts balance); returns the results in index order.
    public static func map<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = Mutex<[T?]>(Array(repeating: nil, count: count))
        let lanes = max(1, min(threads, count))
        if lanes == 1 {
            return (0..<count).map(body)
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: lanes) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                let value = body(i)
                slots.withLock { $0[i] = value }
            }
        }
        return slots.withLock { $0.compactMap { $0 } }
    }

    /// Like ``map(_:threads:_:)`` for a body that can fail: the first failure (by index) is thrown.
    public static func map<T: Sendable>(_ count: Int, threads: Int,
                                        _ body: @Sendable (Int) throws(OmnisegError) -> T) throws(OmnisegError) -> [T] {
        let outcomes = map(count, threads: threads) { i -> Result<T, OmnisegError> in
            do throws(OmnisegError) { return .success(try body(i)) } catch { return .failure(error) }
        }
        return try outcomes.map { r throws(OmnisegError) in try r.get() }
    }
}
