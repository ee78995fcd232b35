import DeltaCore

/// Why ``DistfileFetcher/fetch(_:)`` produced no file. Each case says what was tried.
public enum FetchError: DeltaCoreError {
    /// The request cannot be carried out as given (a bad name, digest or setting).
    case invalidRequest(String)
    /// Patching was impossible, not worth it or failed, and falling back was not allowed
    /// (`--no-fallback`); `reason` says which.
    case patchingUnavailable(target: String, reason: String)
    /// The full download (after patching was ruled out or failed, as `patching` says) failed.
    case downloadFailed(TransportError, patching: String?)
    /// A local failure that another source cannot cure: disk full, an unwritable distdir.
    case local(TransportError)
    /// The alternate digest of a rebuilt file could not be recorded in `database` (an entry
    /// the database refuses); the file was not published.
    case recordingAlternate(database: String, any Error)

    public var description: String {
        switch self {
        case let .invalidRequest(reason): reason
        case let .patchingUnavailable(target, reason):
            "\(target): not rebuilt from patches: \(reason); no fallback allowed"
        case let .downloadFailed(error, patching):
            (patching.map { "patching: \($0)\n" } ?? "") + "full download: \(error)"
        case let .local(error): error.description
        case let .recordingAlternate(database, error): "\(database): cannot write: \(error)"
        }
    }

    /// The kind of failure, for an exit status.
    public var kind: Kind {
        switch self {
        case .invalidRequest: .usage
        case .patchingUnavailable: .patchingUnavailable
        case let .downloadFailed(error, _), let .local(error): .transport(error.kind)
        case .recordingAlternate: .transport(.localIO)
        }
    }

    /// Kinds of failure.
    public enum Kind: Equatable, Sendable {
        /// Bad arguments or settings.
        case usage
        /// No patch path and no fallback.
        case patchingUnavailable
        /// A download or local failure of that kind.
        case transport(TransportError.Kind)
    }
}
