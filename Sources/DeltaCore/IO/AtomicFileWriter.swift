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
    private var descriptor: FileDescriptor?
    private var committed = false
    /// Bytes written so far.
    public private(set) var bytesWritten: UInt64 = 0

    /// Creates the temporary file beside `path`. The corresponding C function is `mkstemp`.
    public init(path: String, permissions: UInt32 = 0o644) throws(FileSystemError) {
        self.path = path
        let template = Paths.join(Paths.directory(of: path), "." + Paths.name(of: path) + ".deltafetch-XXXXXX")
        let file = try FileSystem.createTemporaryFile(template: template, for: path)
        descriptor = file
        temporaryPath = file.path
        try? file.setPermissions(permissions)
    }

    deinit {
        if !committed {
            descriptor?.closeIgnoringErrors()
            FileSystem.removeFileIfPresent(temporaryPath)
        }
    }

    /// Appends bytes. The corresponding C function is `write` (repeated until all are written).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        guard let descriptor else { preconditionFailure("write(_:) after commit()") }
        try descriptor.writeAll(bytes)
        bytesWritten += UInt64(bytes.count)
    }

    /// Appends the bytes of any collection.
    public func write(_ bytes: some Collection<UInt8>) throws(FileSystemError) {
        do {
            try bytes.withContiguousBytes { try write($0) }
        } catch let error as FileSystemError {
            throw error
        } catch {
            preconditionFailure("write(_:) throws only FileSystemError")
        }
    }

    /// Syncs the data, renames the temporary file to the final path and syncs the directory.
    /// The corresponding C functions are `fsync`, `rename` and `fsync` on the directory.
    public func commit() throws(FileSystemError) {
        guard !committed, let file = descriptor else { return }
        try file.sync()
        descriptor = nil
        try file.close()
        try FileSystem.rename(temporaryPath, to: path)
        committed = true
        FileSystem.syncDirectory(Paths.directory(of: path))
    }

    /// Deletes the temporary files of writers that died before committing (`kill -9`, or an
    /// unlink that failed) in `directory`: `.NAME.deltafetch-XXXXXX` files (of `name` only,
    /// when given) last changed more than `age` seconds ago, so that a live writer's file is
    /// left alone; a caller that holds the lock every writer of `name` takes may pass -1.
    public static func removeStaleTemporaries(in directory: String, of name: String? = nil, olderThan age: Int = 600) {
        let target = name
        guard let names = try? FileSystem.entries(in: directory) else { return }
        let now = WallClock.secondsSinceEpoch()
        for name in names {
            // mkstemp's six characters after the marker.
            guard name.hasPrefix("."), name.utf8.count > 19, name.suffix(18).hasPrefix(".deltafetch-") else { continue }
            if let wanted = target, !name.hasPrefix("." + wanted + ".deltafetch-") { continue }
            let path = Paths.join(directory, name)
            if let status = try? FileSystem.status(of: path, followingLinks: false), status.kind == .regular,
                now - status.modified.seconds > Int64(age)
            {
                FileSystem.removeFileIfPresent(path)
            }
        }
    }

    /// Deletes what writers of the file at `path` killed mid-write (or whose unlink failed)
    /// left: its temporary files, under the lock `PATH.lock` that every writer of it takes, so
    /// that no live writer's file goes. Does nothing when the lock cannot be had (a read-only
    /// directory) or was never made (no writer ever ran).
    public static func removeDeadWriters(of path: String) {
        guard FileSystem.exists(path + ".lock"),
            let lock = try? ReadWriteFileLock(path: path + ".lock", mode: .exclusive)
        else { return }
        defer { lock.release() }
        removeStaleTemporaries(in: Paths.directory(of: path), of: Paths.name(of: path), olderThan: -1)
    }
}
