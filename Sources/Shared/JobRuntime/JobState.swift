/// A job's lifecycle state, as stored in the job hash.
public enum JobState: String, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
