#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that its final name only ever holds complete, synced content.
///
/// Bytes go to a temporary file in the destination's directory (so the rename stays on one
/// file system); ``commit()`` syncs it and renames it over the destination, then syncs the
/// directory. A writer dropped without committing removes its temporary file, so a failed
/// or interrupted run never leaves a partial file under the final name.
public final class AtomicFileWriter {
    /// The final path.
    public let path: String
    /// The temporary path being written.
    public let temporaryPath: String
    private var descriptor: Int32
    private var committed = false
    /// Bytes written so far.
    public private(set) var bytesWritten: UInt64 = 0

    /// Creates the temporary file beside `path`. The corresponding C function is `mkstemp`.
    public init(path: String, permissions: mode_t = 0o644) throws(IOError) {
        self.path = path
        let directory = Self.directory(of: path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(directory)/.\(base).deltafetch-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw IOError(.createTemporary, path: path, errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        descriptor = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        fchmod(fd, permissions)
    }

    deinit {
        if !committed {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporaryPath)
        }
    }

    /// Appends bytes. The corresponding C function is `write` (repeated until all are written).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(IOError) {
        var done = 0
        while done < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if count > 0 {
                done += count
            } else if count < 0 && errno != EINTR {
                throw IOError(.write, path: temporaryPath, errno: errno)
            }
        }
        bytesWritten += UInt64(bytes.count)
    }

    /// Appends the bytes of any collection.
    public func write(_ bytes: some Collection<UInt8>) throws(IOError) {
        do {
            try bytes.withContiguousBytes { try write($0) }
        } catch let error as IOError {
            throw error
        } catch {
            preconditionFailure("write(_:) throws only IOError")
        }
    }

    /// Syncs the data, renames the temporary file to the final path and syncs the directory.
    /// The corresponding C functions are `fsync`, `rename` and `fsync` on the directory.
    public func commit() throws(IOError) {
        guard !committed else { return }
        guard fsync(descriptor) == 0 else { throw IOError(.sync, path: temporaryPath, errno: errno) }
        guard close(descriptor) == 0 else {
            descriptor = -1
            throw IOError(.write, path: temporaryPath, errno: errno)
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw IOError(.rename, path: path, errno: errno) }
        committed = true
        let directoryDescriptor = open(Self.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Deletes the temporary files of writers that died before committing (`kill -9`, or an
    /// unlink that failed) in `directory`: `.NAME.deltafetch-XXXXXX` files (of `name` only,
    /// when given) last changed more than `age` seconds ago, so that a live writer's file is
    /// left alone; a caller that holds the lock every writer of `name` takes may pass -1.
    public static func removeStaleTemporaries(in directory: String, of name: String? = nil, olderThan age: Int = 600) {
        let target = name
        guard let handle = opendir(directory) else { return }
        var stale = [String]()
        let now = time(nil)
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            // mkstemp's six characters after the marker.
            guard name.hasPrefix("."), name.utf8.count > 19, name.suffix(18).hasPrefix(".deltafetch-") else { continue }
            if let wanted = target, !name.hasPrefix("." + wanted + ".deltafetch-") { continue }
            var info = stat()
            if lstat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, now - info.st_mtim.tv_sec > age {
                stale.append(directory + "/" + name)
            }
        }
        closedir(handle)
        for path in stale { unlink(path) }
    }

    /// Deletes what writers of the file at `path` killed mid-write (or whose unlink failed)
    /// left: its temporary files, under the lock `PATH.lock` that every writer of it takes, so
    /// that no live writer's file goes. Does nothing when the lock cannot be had (a read-only
    /// directory) or was never made (no writer ever ran).
    public static func removeDeadWriters(of path: String) {
        guard access(path + ".lock", F_OK) == 0, let lock = try? FileLock(path: path + ".lock", mode: .exclusive) else { return }
        defer { lock.release() }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        removeStaleTemporaries(in: directory(of: path), of: name, olderThan: -1)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
