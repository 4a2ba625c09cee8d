import JobRuntime
import OmnisegCore
import Synchronization

/// Runs iterations in process and keeps every iteration's state and partials: the valid inputs the
/// fuzzer mutates. It keeps their bodies, without the codec tags the runtime adds (``JobCodecs``):
/// the kind's own decoders are what the fuzzer exercises.
final class CapturingTransport: TaskTransport {
    struct Iteration {
        var iteration: Int
        var state: [UInt8]
        var partials: [[UInt8]]
    }

    private let inner: InProcessTransport
    private let captured = Mutex<[Iteration]>([])

    init(_ inner: InProcessTransport) { self.inner = inner }

    var iterations: [Iteration] { captured.withLock { $0 } }

    func run(_ work: IterationWork, progress: (Int, Int) -> Void) throws(OmnisegError) -> [[UInt8]] {
        let partials = try inner.run(work, progress: progress)
        let kind = inner.kind
        let state = try kind.stateBody(work.state)
        var bodies: [[UInt8]] = []
        for partial in partials { bodies.append(try kind.codecs.partial.decode(partial)) }
        captured.withLock { $0.append(Iteration(iteration: work.iteration, state: state, partials: bodies)) }
        return partials
    }
}
