#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What can go wrong reading or writing files. Every case names the operation and the file.
///
/// Named apart from NIO's `FileSystemError`, which DeltaTransport also sees.
public struct FileSystemError: DeltaCoreError, Equatable {
    /// The operation that failed.
    public enum Operation: String, Sendable {
        case open, read, write, sync, rename, stat, remove, lock
        case createTemporary = "create a temporary file for"
        case createDirectory = "create the directory"
        case list = "list the directory"
    }

    /// The operation that failed.
    public var operation: Operation
    /// The file it failed on.
    public var path: String
    /// The system call's error number, or ``Errno/none`` where the failure is not a system
    /// call's (a short read).
    public var errno: Errno
    /// Extra detail for failures that are not a system call's.
    public var detail: String?

    /// An error from a failed system call.
    public init(_ operation: Operation, path: String, errno code: Errno) {
        self.operation = operation
        self.path = path
        self.errno = code
        self.detail = nil
    }

    /// An error from a failed system call; `code` is its C `errno`.
    public init(_ operation: Operation, path: String, errno code: Int32) {
        self.init(operation, path: path, errno: Errno(rawValue: code))
    }

    /// An error that is not a system call's.
    public init(_ operation: Operation, path: String, detail: String) {
        self.operation = operation
        self.path = path
        self.errno = .none
        self.detail = detail
    }

    /// Whether the failure was a full disk (or quota), which callers may want to report apart.
    public var isDiskFull: Bool { errno == .noSpace || errno == .diskQuotaExceeded }

    /// Whether the file (or a directory on its path) does not exist.
    public var isNotFound: Bool { errno == .noSuchFileOrDirectory }

    /// Whether the file system refused the change: read-only, or not permitted to this user.
    public var isNotPermitted: Bool {
        errno == .readOnlyFileSystem || errno == .permissionDenied || errno == .notPermitted
    }

    public var description: String {
        "\(path): cannot \(operation.rawValue): \(detail ?? errno.description)"
    }
}

/// A C `errno` value, named.
///
/// Only the codes that callers tell apart have names; any other value is kept as it is and
/// described by `strerror`.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The C value.
    public var rawValue: Int32

    /// The error `value`.
    public init(rawValue value: Int32) { rawValue = value }

    /// The calling thread's `errno`, just after a failed call.
    static var current: Errno { Errno(rawValue: errno) }

    /// No system call failed (0).
    public static let none = Errno(rawValue: 0)
    /// `ENOENT`.
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// `ENOTDIR`: a component of the path is not a directory.
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    /// `EISDIR`.
    public static let isDirectory = Errno(rawValue: EISDIR)
    /// `EEXIST`.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// `EACCES`.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// `EPERM`.
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `EROFS`.
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    /// `ENOSPC`.
    public static let noSpace = Errno(rawValue: ENOSPC)
    /// `EDQUOT`.
    public static let diskQuotaExceeded = Errno(rawValue: EDQUOT)
    /// `EINTR`: a signal arrived before the call did anything.
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EWOULDBLOCK`: a non-blocking call would have had to wait.
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    /// `EIO`.
    public static let ioError = Errno(rawValue: EIO)

    /// `strerror`'s text.
    public var description: String { String(cString: strerror(rawValue)) }
}
