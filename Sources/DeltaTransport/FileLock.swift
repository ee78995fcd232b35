#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DeltaCore
import Synchronization

/// An exclusive lock on a target file, held by one task of one process at a time.
///
/// The lock is `flock(2)` on a lock file beside the target, so the kernel drops it when the
/// holder exits, even by `kill -9`. Waiting polls with `LOCK_NB` and sleeps in between, so a
/// waiting task neither blocks a thread nor ignores cancellation. The holder deletes the lock
/// file on release; a waiter that locked the deleted file notices (its inode is no longer
/// the path's) and tries again. `flock` locks belong to an open file, not a process, so two
/// tasks of one process exclude each other too; a table of paths held in this process keeps
/// that true on file systems where `flock` falls back to per-process `fcntl` locks (NFS).
public final class FileLock: Sendable {
    /// The lock file's path.
    public let path: String
    private let descriptor: Int32
    private let released = Mutex(false)

    private static let heldInProcess = Mutex(Set<String>())

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Takes the lock, waiting while another task or process holds it.
    /// The corresponding C functions are `open` and `flock(LOCK_EX | LOCK_NB)`.
    /// - Parameters:
    ///   - path: the lock file (created if missing).
    ///   - pollInterval: the wait between tries while the lock is held elsewhere.
    ///   - onWait: called once if the lock is busy, before waiting (to tell the user).
    /// - Throws: ``TransportError/io(_:)`` if the lock file cannot be opened or locked,
    ///   ``TransportError/cancelled(name:)`` if the task is cancelled while waiting.
    public static func acquire(
        path: String, pollInterval: Duration = .milliseconds(100), onWait: (() -> Void)? = nil
    ) async throws(TransportError) -> FileLock {
        var told = false
        while true {
            if Task.isCancelled { throw .cancelled(name: path) }
            if let lock = try tryAcquire(path: path) { return lock }
            if !told { onWait?(); told = true }
            do { try await Task.sleep(for: pollInterval) } catch { throw .cancelled(name: path) }
        }
    }

    /// One try: the lock, or nil when another holder has it.
    static func tryAcquire(path: String) throws(TransportError) -> FileLock? {
        let reserved = heldInProcess.withLock { $0.insert(path).inserted }
        guard reserved else { return nil }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            _ = heldInProcess.withLock { $0.remove(path) }
            throw TransportError.local(IOError(.open, path: path, errno: code))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            _ = heldInProcess.withLock { $0.remove(path) }
            if code == EWOULDBLOCK || code == EINTR { return nil }
            throw .io(IOError(.lock, path: path, errno: code))
        }
        // The previous holder may have deleted the file between our open and our flock.
        var opened = stat(), current = stat()
        if fstat(fd, &opened) != 0 || stat(path, &current) != 0 || opened.st_ino != current.st_ino || opened.st_dev != current.st_dev {
            close(fd)
            _ = heldInProcess.withLock { $0.remove(path) }
            return nil
        }
        return FileLock(path: path, descriptor: fd)
    }

    /// Deletes the lock file and releases the lock; later calls do nothing.
    public func release() {
        let first = released.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        unlink(path)
        close(descriptor)  // drops the flock
        _ = Self.heldInProcess.withLock { $0.remove(path) }
    }
}
