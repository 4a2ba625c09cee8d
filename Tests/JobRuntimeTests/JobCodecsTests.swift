import JobKinds
@testable import JobRuntime
@testable import OmnisegCore
import Testing

/// A kind over blobs that sums their bytes in iteration 0, then adds the state again in iteration 1.
private struct SumJob: JobKind {
    static let codecs = JobCodecs("sum", state: 3)
    var inputs: TaskInputSpec { .blobs }
    var initialState: [UInt8] { [7] }

    func execute(input: TaskInput, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        guard case .blob(_, let bytes) = input, state.count == 1 else { throw OmnisegError(.corrupt, "sum: bad input or state") }
        return [bytes.reduce(state[0]) { $0 &+ $1 }]
    }

    func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        let total = partials.reduce(UInt8(0)) { $0 &+ ($1.first ?? 0) }
        return iteration == 0 ? .iterate(state: [total]) : .finish(result: [total, UInt8(partials.count)])
    }

    func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String { "\(result)" }
}

/// Resumes at `iteration` with `state`, as a checkpoint stored by an older build would.
private struct StoredCheckpoint: JobCheckpoints {
    let iteration: Int
    let state: [UInt8]
    func resumePoint() throws(OmnisegError) -> (iteration: Int, state: [UInt8])? { (iteration, state) }
    func begin(iteration: Int, state: [UInt8], tasksRead: Bool) throws(OmnisegError) {}
}

@Suite struct JobCodecsTests {
    private let inputs: [TaskInput] = [.blob(index: 0, bytes: [1, 2]), .blob(index: 1, bytes: [3])]

    private func run(_ checkpoints: some JobCheckpoints = MemoryCheckpoints()) throws -> [UInt8] {
        let kind = SumJob()
        return try JobDriver(jobID: "s", kind: kind, shardCount: inputs.count)
            .run(transport: InProcessTransport(kind: kind, inputs: inputs, threads: 2), checkpoints: checkpoints)
    }

    @Test func statesPartialsAndResultsCarryTheKindsTags() throws {
        let kind = SumJob()
        let state = kind.firstState(kind.initialState)
        #expect(state == CodecTag("sum.state", version: 3).encode([7]))
        let partial = try kind.runTask(input: inputs[0], iteration: 0, stateBody: kind.stateBody(state), cancellation: .never)
        #expect(partial == CodecTag("sum.partial", version: 1).encode([10]))
        let result = try run()
        #expect(result == CodecTag("sum.result", version: 1).encode([46, 2]), "iteration 0: 7+1+2 and 7+3 make 20; iteration 1: 20+1+2 and 20+3 make 46")
        #expect(try SumJob.resultBody(result) == [46, 2])
    }

    @Test func aPartialOrStateOfAnotherVersionIsRefusedNamingTheTaskAndBothVersions() throws {
        let kind = SumJob()
        let state = kind.firstState(kind.initialState)
        let good = try kind.runTask(input: inputs[0], iteration: 0, stateBody: [7], cancellation: .never)
        let newer = CodecTag("sum.partial", version: 2).encode([10])
        #expect { try kind.mergeTagged(iteration: 0, state: state, partials: [good, newer], threads: 1) } throws: { error in
            let m = (error as? OmnisegError)?.message ?? ""
            return m.contains("task 1 of iteration 0") && m.contains("version 2") && m.contains("reads version 1")
        }
        #expect { try kind.mergeTagged(iteration: 0, state: state, partials: [good, [10]], threads: 1) } throws: {
            ($0 as? OmnisegError)?.message.contains("no codec header") ?? false
        }
        let olderState = CodecTag("sum.state", version: 2).encode([7])
        #expect { try kind.stateBody(olderState) } throws: { ($0 as? OmnisegError)?.message.contains("older Omniseg") ?? false }
        #expect { try kind.stateBody(JobCodecs("cluster").state.encode([7])) } throws: {
            ($0 as? OmnisegError)?.message.contains("cluster.state v1, not sum.state v3") ?? false
        }
    }

    @Test func bytesStoredBeforeCodecHeadersCountAsVersionOne() throws {
        let tag = CodecTag("sum.result", version: 1)
        #expect(try tag.storedBody([40, 2]) == [40, 2])
        #expect(try tag.storedBody(tag.encode([40, 2])) == [40, 2])
        #expect(try tag.tagStored([40, 2]) == tag.encode([40, 2]))
        #expect { try CodecTag("sum.result", version: 2).storedBody([40, 2]) } throws: {
            ($0 as? OmnisegError)?.message.contains("so they are version 1, and this build reads version 2") ?? false
        }
        // A checkpoint stored untagged resumes only when the kind still reads its state at version 1.
        #expect { try run(StoredCheckpoint(iteration: 1, state: [20])) } throws: { ($0 as? OmnisegError)?.message.contains("version 1") ?? false }
        #expect(try run(StoredCheckpoint(iteration: 1, state: SumJob.codecs.state.encode([20]))) == run(), "a tagged checkpoint resumes")
    }

    @Test func everyRegisteredKindHasItsOwnTags() throws {
        var names: [String: String] = [:]
        for descriptor in JobKindRegistry.all {
            let codecs = try #require(try? JobKindRegistry.make(descriptor.name, columnNames: [], parameters: JobParameters())).codecs
            for tag in [codecs.state, codecs.partial, codecs.result] {
                if let other = names[tag.name] {
                    #expect(codecs == (try JobKindRegistry.make(other, columnNames: [], parameters: JobParameters())).codecs,
                            "\(descriptor.name) reuses \(other)'s tag \(tag.name) though it is another kind")
                } else {
                    names[tag.name] = descriptor.name
                }
            }
        }
        #expect(names["cluster.result"] == "cluster" && names["recommend.partial"] == "recommend" && names["churn-train.state"] == "churn-train")
    }
}
