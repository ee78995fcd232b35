#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Operations on paths rather than open files: directories, renames, removals, status.
///
/// Each is a thin wrapper over one C call, retried after `EINTR` and throwing a
/// ``FileSystemError`` that names the operation and the path. The ones whose failure no
/// caller acts on (removing what may already be gone) say so and return whether they did it.
public enum FileSystem {
    /// The status of the file at `path`. The corresponding C functions are `stat` (links
    /// followed) and `lstat`.
    /// - Throws: ``FileSystemError`` (operation `stat`).
    public static func status(of path: String, followingLinks: Bool = true) throws(FileSystemError) -> FileStatus {
        var info = stat()
        _ = try systemCall(.stat, path: path) { followingLinks ? stat(path, &info) : lstat(path, &info) }
        return FileStatus(info)
    }

    /// Whether anything exists at `path` (links followed).
    public static func exists(_ path: String) -> Bool {
        (try? status(of: path)) != nil
    }

    /// Whether `path` is a directory (links followed).
    public static func isDirectory(_ path: String) -> Bool {
        (try? status(of: path))?.kind == .directory
    }

    /// Creates the directory `path`; one already there is fine. The corresponding C function
    /// is `mkdir`.
    /// - Parameters:
    ///   - intermediates: also create missing parent directories, as `mkdir -p` does.
    ///   - permissions: the mode asked of `mkdir`, before the umask takes its bits away;
    ///     `0o777` leaves the choice to the umask, as `mkdir(1)` does.
    /// - Throws: ``FileSystemError`` (operation `createDirectory`), also when something other
    ///   than a directory is in the way.
    public static func createDirectory(
        _ path: String, intermediates: Bool = false,
        permissions: UInt32 = 0o755
    ) throws(FileSystemError) {
        if intermediates {
            let parent = Paths.directory(of: path)
            if parent != path && parent != "." && !isDirectory(parent) {
                try createDirectory(parent, intermediates: true, permissions: permissions)
            }
        }
        guard retryingInterrupted({ mkdir(path, mode_t(permissions)) }) != 0 else { return }
        let code = Errno.current
        guard code == .fileExists, isDirectory(path) else {
            throw FileSystemError(.createDirectory, path: path, errno: code)
        }
    }

    /// The directory for temporary files: `TMPDIR` when it is set and not empty, else `/tmp`.
    public static var temporaryDirectory: String {
        guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
        return String(cString: value)
    }

    /// Creates a new, empty, private directory `TEMPLATE` with its trailing `XXXXXX`
    /// replaced. The corresponding C function is `mkdtemp`.
    /// - Returns: the directory's path.
    /// - Throws: ``FileSystemError`` (operation `createTemporary`) naming `parent`.
    public static func createTemporaryDirectory(template: String, in parent: String) throws(FileSystemError) -> String {
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { buffer in
            retryingInterrupted { mkdtemp(buffer.baseAddress!) == nil ? -1 : 0 }
        }
        guard made == 0 else { throw FileSystemError(.createTemporary, path: parent, errno: .current) }
        return bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Creates and opens a new file `TEMPLATE` with its trailing `XXXXXX` replaced, close-on-exec.
    /// The corresponding C function is `mkstemp`.
    /// - Returns: the open file (named by its new path).
    /// - Throws: ``FileSystemError`` (operation `createTemporary`) naming `name`.
    public static func createTemporaryFile(template: String, for name: String) throws(FileSystemError) -> FileDescriptor
    {
        var bytes = Array(template.utf8CString)
        let fd = bytes.withUnsafeMutableBufferPointer { buffer in
            retryingInterrupted { mkstemp(buffer.baseAddress!) }
        }
        guard fd >= 0 else { throw FileSystemError(.createTemporary, path: name, errno: .current) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return FileDescriptor(rawValue: fd, path: bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// Sets the permission bits (and setuid, setgid, sticky) of `path` to `permissions`.
    /// The corresponding C function is `chmod`.
    /// - Throws: ``FileSystemError`` (operation `changeMode`).
    public static func setPermissions(_ permissions: UInt32, of path: String) throws(FileSystemError) {
        _ = try systemCall(.changeMode, path: path) { chmod(path, mode_t(permissions)) }
    }

    /// Renames `source` to `destination`, replacing it. The corresponding C function is `rename`.
    /// - Throws: ``FileSystemError`` (operation `rename`) naming `destination`.
    public static func rename(_ source: String, to destination: String) throws(FileSystemError) {
        _ = try systemCall(.rename, path: destination) { Glibc.rename(source, destination) }
    }

    /// Removes the file at `path`. The corresponding C function is `unlink`.
    /// - Throws: ``FileSystemError`` (operation `remove`).
    public static func removeFile(_ path: String) throws(FileSystemError) {
        _ = try systemCall(.remove, path: path) { unlink(path) }
    }

    /// Removes the file at `path` if it can: for clearing what may be gone already, where a
    /// failure leaves only litter that a later run clears.
    /// - Returns: whether a file was removed.
    @discardableResult
    public static func removeFileIfPresent(_ path: String) -> Bool {
        (try? removeFile(path)) != nil
    }

    /// Removes the empty directory at `path`, if it can. The corresponding C function is `rmdir`.
    /// - Returns: whether it was removed.
    @discardableResult
    public static func removeEmptyDirectoryIfPresent(_ path: String) -> Bool {
        retryingInterrupted { rmdir(path) } == 0
    }

    /// The names in the directory `path`, without `.` and `..`, in no particular order.
    /// The corresponding C functions are `opendir`, `readdir` and `closedir`.
    /// - Throws: ``FileSystemError`` (operation `list`).
    public static func entries(in path: String) throws(FileSystemError) -> [String] {
        guard let handle = opendir(path) else { throw FileSystemError(.list, path: path, errno: .current) }
        defer { closedir(handle) }
        var names = [String]()
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes the renames and creations in the directory `path` durable, if it can: after a
    /// crash the file is under its new name. The corresponding C functions are `open` and `fsync`.
    public static func syncDirectory(_ path: String) {
        guard let directory = try? FileDescriptor.open(path, .readOnly, options: .directory) else { return }
        try? directory.sync()
        directory.closeIgnoringErrors()
    }
}
