import OmnisegCore

/// What the registry knows of a job kind: its name, what it does, its parameters and how to make it.
/// Each kind declares one (`static let descriptor`) beside its code; `JobKindRegistry` lists them.
public struct JobKindDescriptor: Sendable {
    public typealias Maker = @Sendable (_ columnNames: [String], _ parameters: JobParameters) throws(OmnisegError) -> any JobKind

    /// The name jobs are submitted by (`omniseg run NAME`).
    public let name: String
    /// One line on what the kind computes.
    public let summary: String
    public let parameters: ParameterSchema
    /// What its tasks read: feature-set shards (the kind then takes `feature_set`), blobs or table partitions.
    public let input: TaskInputKind
    private let maker: Maker

    public init(name: String, summary: String, input: TaskInputKind = .featureShards, parameters: ParameterSchema, make: @escaping Maker) {
        self.name = name
        self.summary = summary
        self.input = input
        self.parameters = input.readsFeatures ? parameters : parameters.withoutFeatureSet
        self.maker = make
    }

    /// The same kind under another name (a command that submits it differently, like `overlap`).
    public func named(_ name: String, summary: String) -> JobKindDescriptor {
        JobKindDescriptor(name: name, summary: summary, input: input, parameters: parameters, make: maker)
    }

    /// The kind for a feature matrix with `columnNames` (empty when validating or rendering, and for
    /// kinds that read no feature set), configured by `parameters`, which are checked against the
    /// schema first. Throws when the kind's inputs are not of the kind its descriptor declares.
    public func make(columnNames: [String], parameters: JobParameters) throws(OmnisegError) -> any JobKind {
        try self.parameters.validate(parameters, kind: name)
        let kind = try maker(columnNames, parameters)
        guard kind.inputs.kind == input else {
            throw OmnisegError(.badInput, "job kind '\(name)' is declared over \(input.name) but its tasks read \(kind.inputs.kind.name)")
        }
        return kind
    }
}
