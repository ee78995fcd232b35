import DeltaCore
import Foundation

/// One file to get: its name, what it must be, where it goes and where it may come from.
public struct DownloadRequest: Sendable {
    /// The file's name, a single path component; it is also its name under each mirror.
    public var name: String
    /// The expected size and digests. With it the file is verified before it gets its final
    /// name, and an interrupted download can resume from any mirror; without it the file is
    /// taken as served (no more than the server's Content-Length, and resumed only from the
    /// same URL with an unchanged ETag or Last-Modified).
    public var expected: DigestSet?
    /// The directory the file goes to (it must exist). Temporary, partial and lock files live
    /// here too, hidden by a leading dot, so that the final rename stays on one file system.
    public var directory: String
    /// Mirrors, tried in order.
    public var mirrors: [Mirror]
    /// A full URL tried after the mirrors (an upstream location), if any.
    public var directURL: URL?

    /// Describes a download.
    public init(name: String, expected: DigestSet?, directory: String, mirrors: [Mirror], directURL: URL? = nil) {
        self.name = name
        self.expected = expected
        self.directory = directory
        self.mirrors = mirrors
        self.directURL = directURL
    }

    /// The final path of the file.
    public var path: String { Paths.join(directory, name) }
}

/// What a finished download did.
public struct DownloadResult: Sendable {
    /// The file's name.
    public var name: String
    /// The final path, which now holds the verified file.
    public var path: String
    /// The URL the bytes came from; nil when the file was already there.
    public var url: URL?
    /// The mirror that served it; nil when it was already there or came from the direct URL.
    public var mirror: Mirror?
    /// Bytes received over the wire (or copied from a `file:` source) in this run.
    public var bytesTransferred: UInt64
    /// Whether an earlier partial download was continued rather than started over.
    public var resumed: Bool
    /// Whether a verified file was already under the final name (nothing was fetched).
    public var alreadyPresent: Bool
    /// Wall-clock time from the start of the call, waiting for the lock included.
    public var seconds: Double
    /// The size and digests of the final file (the expected algorithms, or BLAKE2B and SHA512
    /// when nothing was expected).
    public var digests: DigestSet
}

/// How the ``Downloader`` behaves.
public struct DownloadConfiguration: Sendable {
    /// How long to wait for a connection, for the response head, and between body bytes;
    /// a stalled transfer fails after this long. The CLI's `--timeout`.
    public var timeout: Duration = .seconds(30)
    /// How many times to retry one URL after a transient failure (a dropped connection, a
    /// timeout, a 5xx) before going on to the next source.
    public var retries: Int = 2
    /// The wait before the first retry; it doubles for each further retry.
    public var retryDelay: Duration = .milliseconds(500)
    /// The most bytes taken for a file whose size is neither expected nor declared.
    public var maximumUndeclaredSize: UInt64 = 16 << 30
    /// Redirects followed per request (http and https only).
    public var maximumRedirects: Int = 5
    /// How often the lock is tried while another process holds it.
    public var lockPollInterval: Duration = .milliseconds(100)
    /// Sent as `User-Agent`.
    public var userAgent: String = "deltafetch/\(DeltaCoreVersion.string)"
    /// Called with progress events from any task; keep it quick. See ``ProgressReporter``.
    public var progress: (@Sendable (DownloadProgress) -> Void)?

    /// The defaults: 30 s timeout, 2 retries, 0.5 s first back-off.
    public init() {}
}
