/// The common face of every error DeltaCore throws.
///
/// Each area has its own error type (``CompressionError``, ``DigestError``, …) whose cases say
/// what went wrong in terms a user can act on. They all conform to this protocol so that the
/// command-line tools can print any of them the same way and map them to exit statuses.
public protocol DeltaCoreError: Error, CustomStringConvertible, Sendable {}

/// An error tied to a place in a file: which file, and where in it.
///
/// Codecs and parsers work on bytes and do not know which file they read; the code that
/// opened the file wraps their errors in this so that the message names the file, and a
/// line (text formats) or byte offset (binary formats) where that is known.
public struct FileError: DeltaCoreError {
    /// The file the error is about, as the user named it.
    public var path: String
    /// The 1-based line in a text file, when known.
    public var line: Int?
    /// The byte offset in a binary file, when known.
    public var offset: UInt64?
    /// What went wrong.
    public var underlying: any Error

    /// Creates an error about `path`, optionally at a line or byte offset.
    public init(path: String, line: Int? = nil, offset: UInt64? = nil, underlying: any Error) {
        self.path = path
        self.line = line
        self.offset = offset
        self.underlying = underlying
    }

    /// `path:line: reason`, `path: at byte N: reason`, or `path: reason`.
    public var description: String {
        var place = path
        if let line { place += ":\(line)" }
        if let offset { place += ": at byte \(offset)" }
        return "\(place): \(underlying)"
    }
}

extension Error {
    /// Wraps this error in a ``FileError`` naming `path`, unless it already names a file.
    public func inFile(_ path: String, line: Int? = nil, offset: UInt64? = nil) -> any Error {
        if self is FileError { return self }
        return FileError(path: path, line: line, offset: offset, underlying: self)
    }
}
