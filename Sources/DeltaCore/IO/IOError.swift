#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What can go wrong reading or writing files. Every case names the file.
public struct IOError: DeltaCoreError, Equatable {
    /// The operation that failed.
    public enum Operation: String, Sendable {
        case open, read, write, sync, rename, stat, remove, createTemporary = "create a temporary file for", lock
    }

    /// The operation that failed.
    public var operation: Operation
    /// The file it failed on.
    public var path: String
    /// The C `errno`, or 0 where the failure is not a system call's (a short read).
    public var errno: Int32
    /// Extra detail for failures that are not a system call's.
    public var detail: String?

    /// An error from a failed system call; `code` is its `errno`.
    public init(_ operation: Operation, path: String, errno code: Int32) {
        self.operation = operation
        self.path = path
        self.errno = code
        self.detail = nil
    }

    /// An error that is not a system call's.
    public init(_ operation: Operation, path: String, detail: String) {
        self.operation = operation
        self.path = path
        self.errno = 0
        self.detail = detail
    }

    /// Whether the failure was a full disk (or quota), which callers may want to report apart.
    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }

    public var description: String {
        let reason = detail ?? String(cString: strerror(errno))
        return "\(path): cannot \(operation.rawValue): \(reason)"
    }
}
