#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor and the path it was opened by, which its errors name.
///
/// Like swift-system's `FileDescriptor` it does not own the descriptor: the owner (a
/// ``ReadableFile``, an ``AtomicFileWriter``, a lock) calls ``close()`` exactly once. Every
/// call retries after `EINTR` (``retryingInterrupted(_:)``) and throws a ``FileSystemError``
/// instead of returning -1.
public struct FileDescriptor: Sendable {
    /// The C descriptor.
    public let rawValue: Int32
    /// The path it was opened by, for error messages.
    public let path: String

    /// How a file is opened.
    public enum Access: Sendable {
        case readOnly, readWrite
    }

    /// What else `open` does.
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// `O_CREAT`: create the file if it is missing.
        public static let create = Options(rawValue: O_CREAT)
        /// `O_APPEND`: every write goes to the end.
        public static let append = Options(rawValue: O_APPEND)
        /// `O_DIRECTORY`: fail unless the path is a directory.
        public static let directory = Options(rawValue: O_DIRECTORY)
    }

    /// Wraps a descriptor opened elsewhere (standard output, say), named `name` in errors.
    public init(rawValue: Int32, path name: String) {
        self.rawValue = rawValue
        self.path = name
    }

    /// Opens `path`, always close-on-exec. The corresponding C function is `open`.
    /// - Parameters:
    ///   - permissions: the mode of a file that ``Options/create`` makes.
    /// - Throws: ``FileSystemError`` (operation `open`).
    public static func open(
        _ path: String, _ access: Access, options: Options = [], permissions: UInt32 = 0o644
    ) throws(FileSystemError) -> FileDescriptor {
        let flags = (access == .readOnly ? O_RDONLY : O_RDWR) | options.rawValue | O_CLOEXEC
        let fd = try systemCall(.open, path: path) { Glibc.open(path, flags, mode_t(permissions)) }
        return FileDescriptor(rawValue: fd, path: path)
    }

    /// Closes the descriptor. The corresponding C function is `close`, never retried (Linux
    /// has closed the descriptor even when it reports `EINTR`).
    /// - Throws: ``FileSystemError`` (operation `write`: a delayed write failed).
    public func close() throws(FileSystemError) {
        guard Glibc.close(rawValue) == 0 else { throw FileSystemError(.write, path: path, errno: .current) }
    }

    /// Closes the descriptor, ignoring a failure (after an error, or for a read-only file).
    public func closeIgnoringErrors() {
        _ = Glibc.close(rawValue)
    }

    /// Reads up to `buffer.count` bytes from the current position.
    /// The corresponding C function is `read`.
    /// - Returns: the count read, 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileSystemError) -> Int {
        try systemCall(.read, path: path) { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads up to `buffer.count` bytes at `offset`, without moving the position.
    /// The corresponding C function is `pread`.
    /// - Returns: the count read, 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileSystemError) -> Int {
        try systemCall(.read, path: path) { pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Writes all of `bytes` at the current position (at the end with ``Options/append``).
    /// The corresponding C function is `write`, repeated after short writes.
    /// - Throws: ``FileSystemError`` (operation `write`); a write of nothing is `EIO`.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        var done = 0
        while done < bytes.count {
            let count = try systemCall(.write, path: path) {
                Glibc.write(rawValue, bytes.baseAddress! + done, bytes.count - done)
            }
            guard count > 0 else { throw FileSystemError(.write, path: path, errno: .ioError) }
            done += count
        }
    }

    /// Writes all of `bytes` at `offset`, without moving the position.
    /// The corresponding C function is `pwrite`, repeated after short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(FileSystemError) {
        var done = 0
        while done < bytes.count {
            let count = try systemCall(.write, path: path) {
                pwrite(rawValue, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            guard count > 0 else { throw FileSystemError(.write, path: path, errno: .ioError) }
            done += count
        }
    }

    /// Whether the descriptor is a terminal. The corresponding C function is `isatty`.
    public var isTerminal: Bool { isatty(rawValue) == 1 }

    /// Flushes the file's data and metadata to the disk. The corresponding C function is `fsync`.
    public func sync() throws(FileSystemError) {
        _ = try systemCall(.sync, path: path) { fsync(rawValue) }
    }

    /// Cuts (or extends) the file to `size` bytes. The corresponding C function is `ftruncate`.
    public func truncate(to size: UInt64) throws(FileSystemError) {
        _ = try systemCall(.write, path: path) { ftruncate(rawValue, off_t(size)) }
    }

    /// The open file's status. The corresponding C function is `fstat`.
    public func status() throws(FileSystemError) -> FileStatus {
        var info = stat()
        _ = try systemCall(.stat, path: path) { fstat(rawValue, &info) }
        return FileStatus(info)
    }

    /// Sets the file's permission bits. The corresponding C function is `fchmod`.
    public func setPermissions(_ permissions: UInt32) throws(FileSystemError) {
        _ = try systemCall(.write, path: path) { fchmod(rawValue, mode_t(permissions)) }
    }

    /// How ``lock(_:waiting:)`` locks.
    public enum LockMode: Sendable {
        case shared, exclusive
    }

    /// Takes an advisory `flock` lock on the open file: held until the descriptor closes.
    /// The corresponding C function is `flock`.
    /// - Parameter waiting: wait while another open file holds a conflicting lock; when
    ///   false, return at once.
    /// - Returns: whether the lock was taken (always true when `waiting`).
    public func lock(_ mode: LockMode, waiting: Bool) throws(FileSystemError) -> Bool {
        let operation = (mode == .shared ? LOCK_SH : LOCK_EX) | (waiting ? 0 : LOCK_NB)
        guard retryingInterrupted({ flock(rawValue, operation) }) == 0 else {
            let code = Errno.current
            if code == .wouldBlock && !waiting { return false }
            throw FileSystemError(.lock, path: path, errno: code)
        }
        return true
    }

    /// Drops the `flock` lock on the open file and closes the descriptor, ignoring failures.
    /// The lock goes first so that it is released even when the close does not happen (a
    /// fault injector's failed `close` leaves the descriptor open) or the open file lives on
    /// elsewhere (a copy in a child process).
    /// The corresponding C functions are `flock(LOCK_UN)` and `close`.
    public func unlockAndCloseIgnoringErrors() {
        _ = retryingInterrupted { flock(rawValue, LOCK_UN) }
        closeIgnoringErrors()
    }
}

extension FileDescriptor {
    /// Reads the first `count` bytes (fewer if the file is shorter) without moving the position.
    /// The corresponding C function is `pread`, repeated until `count` bytes or the end.
    public func readPrefix(_ count: Int) throws(FileSystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = try bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(FileSystemError) in
                    try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: UInt64(done))
                }
            }.get()
            if got == 0 { break }
            done += got
        }
        bytes.removeSubrange(done...)
        return bytes
    }
}
