/// A blocking reader-writer lock on a lock file, held until the value is released or
/// deinitialised: many shared holders or one exclusive holder.
///
/// The calling thread waits for the lock, so take it off the cooperative pool (DeltaTransport's
/// downloads use `ExclusiveFileLock`, which waits without blocking a thread). `flock` locks
/// belong to an open file description, so two threads of one process that each take a lock
/// exclude each other just as two processes do (POSIX `fcntl` locks would not). The lock file
/// itself is never replaced or removed, so files guarded by it may be rewritten by rename
/// while the lock is held.
public final class ReadWriteFileLock {
    /// Shared for readers, exclusive for writers.
    public typealias Mode = FileDescriptor.LockMode

    /// The lock file's path.
    public let path: String
    private var descriptor: FileDescriptor?

    /// Opens (creating if needed) `path` and waits for the lock.
    /// The corresponding C functions are `open` and `flock` (retried on `EINTR`).
    /// - Throws: ``FileSystemError`` when the file cannot be opened or locked.
    public init(path: String, mode: Mode) throws(FileSystemError) {
        self.path = path
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(path, .readWrite, options: .create)
        } catch {
            // A reader in a read-only distdir can still lock an existing lock file.
            let readOnly = error.errno == .permissionDenied || error.errno == .readOnlyFileSystem
            guard mode == .shared && readOnly else { throw error }
            file = try FileDescriptor.open(path, .readOnly)
        }
        do throws(FileSystemError) {
            _ = try file.lock(mode, waiting: true)
        } catch {
            file.closeIgnoringErrors()
            throw error
        }
        descriptor = file
    }

    /// Releases the lock now (it is also released on deinitialisation).
    public func release() {
        descriptor?.unlockAndCloseIgnoringErrors()
        descriptor = nil
    }

    deinit { release() }
}
