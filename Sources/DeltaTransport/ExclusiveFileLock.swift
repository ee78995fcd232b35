import DeltaCore
import Synchronization

/// An exclusive lock on a target file, held by one task of one process at a time, that a task
/// waits for without blocking a thread and whose lock file goes on release.
///
/// (DeltaCore's ``ReadWriteFileLock`` is the blocking, shared-or-exclusive kind that keeps its
/// lock file, for databases read and written in place.)
///
/// The lock is `flock(2)` on a lock file beside the target, so the kernel drops it when the
/// holder exits, even by `kill -9`. Waiting polls with `LOCK_NB` and sleeps in between, so a
/// waiting task neither blocks a thread nor ignores cancellation. The holder deletes the lock
/// file on release; a waiter that locked the deleted file notices (its inode is no longer
/// the path's) and tries again. `flock` locks belong to an open file, not a process, so two
/// tasks of one process exclude each other too; a table of paths held in this process keeps
/// that true on file systems where `flock` falls back to per-process `fcntl` locks (NFS).
public final class ExclusiveFileLock: Sendable {
    /// The lock file's path.
    public let path: String
    private let descriptor: FileDescriptor
    private let released = Mutex(false)

    private static let heldInProcess = Mutex(Set<String>())

    private init(path: String, descriptor: FileDescriptor) {
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
    ) async throws(TransportError) -> ExclusiveFileLock {
        var told = false
        while true {
            if Task.isCancelled { throw .cancelled(name: path) }
            if let lock = try tryAcquire(path: path) { return lock }
            if !told { onWait?(); told = true }
            do { try await Task.sleep(for: pollInterval) } catch { throw .cancelled(name: path) }
        }
    }

    /// One try: the lock, or nil when another holder has it.
    static func tryAcquire(path: String) throws(TransportError) -> ExclusiveFileLock? {
        let reserved = heldInProcess.withLock { $0.insert(path).inserted }
        guard reserved else { return nil }
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(path, .readWrite, options: .create)
        } catch {
            _ = heldInProcess.withLock { $0.remove(path) }
            throw .local(error)
        }
        let locked: Bool
        do {
            locked = try file.lock(.exclusive, waiting: false)
        } catch {
            file.closeIgnoringErrors()
            _ = heldInProcess.withLock { $0.remove(path) }
            throw .io(error)
        }
        // The previous holder may have deleted the file between our open and our flock.
        guard locked, let opened = try? file.status(), let current = try? FileSystem.status(of: path),
            opened.isSameFile(as: current)
        else {
            file.unlockAndCloseIgnoringErrors()
            _ = heldInProcess.withLock { $0.remove(path) }
            return nil
        }
        return ExclusiveFileLock(path: path, descriptor: file)
    }

    /// Deletes the lock file and releases the lock; later calls do nothing.
    public func release() {
        let first = released.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        FileSystem.removeFileIfPresent(path)
        descriptor.unlockAndCloseIgnoringErrors()
        _ = Self.heldInProcess.withLock { $0.remove(path) }
    }
}
