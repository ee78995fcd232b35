#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a lock file, held until the value is released or deinitialised.
///
/// `flock` locks belong to an open file description, so two threads of one process that
/// each take a `FileLock` exclude each other just as two processes do (POSIX `fcntl` locks
/// would not). The lock file itself is never replaced, so files guarded by it may be
/// rewritten by rename while the lock is held.
public final class FileLock {
    /// Shared for readers, exclusive for writers.
    public enum Mode: Sendable {
        case shared, exclusive
    }

    /// The lock file's path.
    public let path: String
    private var descriptor: Int32

    /// Opens (creating if needed) `path` and waits for the lock.
    /// The corresponding C functions are `open` and `flock` (retried on `EINTR`).
    /// - Throws: ``IOError`` when the file cannot be opened or locked.
    public init(path: String, mode: Mode) throws(IOError) {
        self.path = path
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        // A reader in a read-only distdir can still lock an existing lock file.
        if fd < 0 && mode == .shared && (errno == EACCES || errno == EROFS) { fd = open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw IOError(.open, path: path, errno: errno) }
        let operation = mode == .shared ? LOCK_SH : LOCK_EX
        while flock(fd, operation) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(fd)
                throw IOError(.lock, path: path, errno: code)
            }
        }
        descriptor = fd
    }

    /// Releases the lock now (it is also released on deinitialisation).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
