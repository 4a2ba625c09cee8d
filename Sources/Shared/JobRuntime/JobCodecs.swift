import OmnisegCore

/// The names and versions of a job kind's three encodings: its iteration state, its partials and its
/// result. A kind declares them once (`static let codecs = JobCodecs(name)`) and raises a version
/// whenever it changes a layout.
///
/// The kind's own code reads and writes bare bodies. The runtime puts the tags on and checks them in
/// one place (``JobKind/firstState(_:)``, ``JobKind/runTask(input:iteration:stateBody:cancellation:)``,
/// ``JobKind/mergeTagged(iteration:state:partials:threads:)``), so every state and partial that
/// crosses Redis and every result the workspace stores says what it is. A worker left on another
/// release is refused with a message naming both versions instead of misreading the bytes.
public struct JobCodecs: Sendable, Equatable {
    public let state: CodecTag
    public let partial: CodecTag
    public let result: CodecTag

    /// Tags `KIND.state`, `KIND.partial` and `KIND.result` at the given versions.
    public init(_ kind: String, state: UInt16 = 1, partial: UInt16 = 1, result: UInt16 = 1) {
        self.state = CodecTag(kind + ".state", version: state)
        self.partial = CodecTag(kind + ".partial", version: partial)
        self.result = CodecTag(kind + ".result", version: result)
    }
}

extension CodecTag {
    /// The body of bytes kept in a workspace (a job's result, a checkpointed state). Bytes with no codec
    /// header were stored before headers existed and count as version 1; tagged bytes must carry this
    /// tag exactly.
    public func storedBody(_ bytes: [UInt8]) throws(OmnisegError) -> [UInt8] {
        if Self.isTagged(bytes) { return try decode(bytes) }
        guard version == 1 else {
            throw OmnisegError(.corrupt, "cannot decode \(name): the bytes carry no codec header, so they are version 1, and this build reads version \(version); run the job again")
        }
        return bytes
    }

    /// `bytes` kept in a workspace, with this tag's header (added when they were stored untagged, as
    /// version 1); throws when they carry another tag.
    public func tagStored(_ bytes: [UInt8]) throws(OmnisegError) -> [UInt8] {
        encode(try storedBody(bytes))
    }
}

extension JobKind {
    /// This kind's codec tags.
    public var codecs: JobCodecs { Self.codecs }

    /// The tagged first state from the body `state` (``initialState`` or what the workspace prepared).
    public func firstState(_ state: [UInt8]) -> [UInt8] {
        codecs.state.encode(state)
    }

    /// The body of a tagged iteration state, for ``runTask(input:iteration:stateBody:cancellation:)``
    /// (a transport decodes it once per iteration, a worker once per cached state).
    public func stateBody(_ state: [UInt8]) throws(OmnisegError) -> [UInt8] {
        try codecs.state.decode(state)
    }

    /// The tagged state `iteration`'s tasks read (``taskState(iteration:state:)``), or nil when it is
    /// the whole tagged `state`.
    public func taggedTaskState(iteration: Int, state: [UInt8]) throws(OmnisegError) -> [UInt8]? {
        try taskState(iteration: iteration, state: try stateBody(state)).map(codecs.state.encode)
    }

    /// Runs one task over the state body `stateBody` and returns its tagged partial: what transports call.
    public func runTask(input: TaskInput, iteration: Int, stateBody: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        codecs.partial.encode(try execute(input: input, iteration: iteration, state: stateBody, cancellation: cancellation))
    }

    /// Merges tagged partials over the tagged `state` and returns the next tagged state or the tagged
    /// result: what the driver calls.
    public func mergeTagged(iteration: Int, state: [UInt8], partials: [[UInt8]], threads: Int) throws(OmnisegError) -> JobStep {
        let body = try stateBody(state)
        var bodies: [[UInt8]] = []
        bodies.reserveCapacity(partials.count)
        for (index, partial) in partials.enumerated() {
            do {
                bodies.append(try codecs.partial.decode(partial))
            } catch {
                throw OmnisegError(error.code, "task \(index) of iteration \(iteration): \(error.message)")
            }
        }
        switch try merge(iteration: iteration, state: body, partials: bodies, threads: threads) {
        case .iterate(let next): return .iterate(state: codecs.state.encode(next))
        case .finish(let result): return .finish(result: codecs.result.encode(result))
        }
    }

    /// The body of a finished job's result as the workspace or Redis keeps it (untagged: version 1),
    /// for the kind's own decoder: `ClusterResult(decoding: try ClusterJob.resultBody(bytes))`.
    public static func resultBody(_ result: [UInt8]) throws(OmnisegError) -> [UInt8] {
        try codecs.result.storedBody(result)
    }

    /// ``resultBody(_:)`` of this kind.
    public func resultBody(_ result: [UInt8]) throws(OmnisegError) -> [UInt8] {
        try Self.resultBody(result)
    }
}
