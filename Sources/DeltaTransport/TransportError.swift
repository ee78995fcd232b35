import DeltaCore

/// What can go wrong getting a file from mirrors. Every case names the URL or file it is about.
///
/// Errors about one source (a 404, a digest mismatch, a dropped connection) make the
/// ``Downloader`` try the next source; when none is left it throws ``allSourcesFailed(name:attempts:)``
/// with every source's error in order. Local errors (a full disk, an unwritable directory)
/// stop at once, since another mirror cannot fix them.
public enum TransportError: DeltaCoreError, Equatable {
    /// A mirror URL that cannot be used: bad syntax or a scheme other than http, https, file.
    case invalidMirror(String, reason: String)
    /// A file name that is not a plain name (empty, `.`, `..`, or holding `/` or NUL), so it
    /// could escape the target directory or the mirror's tree.
    case invalidFileName(String)
    /// A mirror's `layout.conf` that is not in the key-file format; `line` is 1-based.
    case invalidLayout(url: String, line: Int, reason: String)
    /// The server has no such file (HTTP 404 or 410, or a missing `file:` path).
    case notFound(url: String)
    /// The server answered with a status we do not take (other than 200, 206, 404, 410).
    case httpStatus(url: String, status: Int)
    /// No connection, or it broke before the response was complete.
    case connection(url: String, reason: String)
    /// No progress for the configured timeout.
    case timedOut(url: String, seconds: Double)
    /// The body ended before the size the server declared (or the expected size).
    case truncated(url: String, expected: UInt64, received: UInt64)
    /// The server sent or declared more bytes than the expected size (or than its own
    /// Content-Length); nothing past the limit was accepted.
    case tooLarge(url: String, limit: UInt64, received: UInt64)
    /// A 206 answer whose Content-Range does not fit what was asked.
    case badRange(url: String, reason: String)
    /// The complete file has the wrong size.
    case sizeMismatch(url: String, expected: UInt64, actual: UInt64)
    /// The complete file has the wrong digest.
    case digestMismatch(url: String, algorithm: DigestAlgorithm, expected: String, actual: String)
    /// The target's file system is full (or over quota). Nothing was left under the final name.
    case diskFull(path: String)
    /// A local file operation failed.
    case io(FileSystemError)
    /// The download was cancelled.
    case cancelled(name: String)
    /// The request offered no source at all (no mirrors and no direct URL).
    case noSources(name: String)
    /// Every source failed; `attempts` holds each one's last error, in the order tried.
    case allSourcesFailed(name: String, attempts: [TransportError])

    public var description: String {
        switch self {
        case let .invalidMirror(url, reason): "mirror \(url): \(reason)"
        case let .invalidFileName(name): "'\(name)' is not a plain file name"
        case let .invalidLayout(url, line, reason): "\(url):\(line): \(reason)"
        case let .notFound(url): "\(url): not found"
        case let .httpStatus(url, status): "\(url): HTTP status \(status)"
        case let .connection(url, reason): "\(url): connection failed: \(reason)"
        case let .timedOut(url, seconds): "\(url): no data for \(Self.format(seconds)) s (timed out)"
        case let .truncated(url, expected, received):
            "\(url): connection ended after \(received) of \(expected) bytes"
        case let .tooLarge(url, limit, received):
            "\(url): more than the declared \(limit) bytes (at least \(received)); rejected"
        case let .badRange(url, reason): "\(url): bad partial answer: \(reason)"
        case let .sizeMismatch(url, expected, actual):
            "\(url): size is \(actual) bytes, expected \(expected)"
        case let .digestMismatch(url, algorithm, expected, actual):
            "\(url): \(algorithm.rawValue) is \(actual), expected \(expected)"
        case let .diskFull(path): "\(path): disk full"
        case let .io(error): error.description
        case let .cancelled(name): "\(name): download cancelled"
        case let .noSources(name): "\(name): no mirror or URL to fetch it from"
        case let .allSourcesFailed(name, attempts):
            (["\(name): every source failed:"] + attempts.map { "  \($0)" }).joined(separator: "\n")
        }
    }

    /// What kind of failure this is, for a CLI's exit status. For ``allSourcesFailed(name:attempts:)``
    /// it is the kind of the most telling attempt: a verification failure over a network one
    /// over "not found", so that "the mirrors serve a bad file" is not hidden behind a 404.
    public var kind: Kind {
        switch self {
        case .invalidMirror, .invalidFileName, .noSources: .usage
        case .notFound: .notFound
        case .invalidLayout, .httpStatus, .connection, .timedOut, .truncated, .badRange: .network
        case .tooLarge, .sizeMismatch, .digestMismatch: .verification
        case .diskFull: .diskFull
        case .io(let error): error.isDiskFull ? .diskFull : .localIO
        case .cancelled: .cancelled
        case .allSourcesFailed(_, let attempts): attempts.map(\.kind).max() ?? .notFound
        }
    }

    /// Kinds of failure, ordered from least to most telling.
    public enum Kind: Int, Comparable, Sendable {
        case notFound, network, verification, usage, localIO, diskFull, cancelled
        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Whether the target's disk is full, here or in any attempt.
    public var isDiskFull: Bool { kind == .diskFull }

    /// Whether trying the same source again may help (a dropped connection, a timeout, a 5xx).
    var isTransient: Bool {
        switch self {
        case .connection, .timedOut, .truncated: true
        case .httpStatus(_, let status): status >= 500 || status == 408 || status == 429
        default: false
        }
    }

    /// Whether the failure is local, so no other source can help.
    var isLocal: Bool {
        switch self {
        case .diskFull, .io, .cancelled, .invalidFileName: true
        default: false
        }
    }

    /// Maps a file-system error, keeping a full disk recognisable.
    static func local(_ error: FileSystemError) -> TransportError {
        error.isDiskFull ? .diskFull(path: error.path) : .io(error)
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
