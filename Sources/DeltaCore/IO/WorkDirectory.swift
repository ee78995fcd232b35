#if canImport(Glibc)
import Glibc
#endif

/// A private scratch directory inside a destination directory (so that publishing a file
/// from it is one atomic rename on the same file system), removed with everything in it
/// when the value goes away.
final class WorkDirectory: Sendable {
    let directory: String

    /// Creates `DIR/.deltafetch-work-XXXXXX`, or `DIR/.deltafetch-work-LABEL-XXXXXX` with a
    /// label (a target's name), so that ``removeStale(in:label:)`` can find what a killed run
    /// left. The corresponding C function is `mkdtemp`.
    init(in parent: String, label: String? = nil) throws(IOError) {
        var template = Array((Self.prefix(in: parent, label: label) + "XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw IOError(.createTemporary, path: parent, errno: errno)
        }
        directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        Self.shareWithGroup(directory, like: parent)
    }

    /// Opens a new scratch directory (mkdtemp makes it 0700) to the parent's group when the
    /// parent is group-writable: a mirror fleet's shared OUTDIR, a Portage distdir. A run of
    /// another user of the group can then clear what a killed run left (``removeStale``).
    /// The corresponding C functions are `stat` and `chmod`.
    private static func shareWithGroup(_ directory: String, like parent: String) {
        var info = stat()
        guard stat(parent, &info) == 0, info.st_mode & 0o020 != 0 else { return }
        // The parent's setgid bit too, which the new directory inherited and chmod would clear.
        chmod(directory, 0o700 | (info.st_mode & 0o2070))
    }

    deinit { Self.remove(directory) }

    private static func prefix(in parent: String, label: String?) -> String {
        "\(parent)/.deltafetch-work-" + (label.map { $0 + "-" } ?? "")
    }

    /// Removes the work directories labelled `label` in `parent`: what a run killed before it
    /// could clean up left behind. Call only while holding the label's lock, so that no live
    /// run's directory is taken.
    static func removeStale(in parent: String, label: String) {
        let prefix = Self.prefix(in: parent, label: label)
        let namePrefix = String(prefix.dropFirst(parent.count + 1))
        guard let handle = opendir(parent) else { return }
        var stale = [String]()
        while let entry = readdir(handle) {
            let name = entryName(entry)
            // mkdtemp adds exactly six characters; anything else belongs to another label.
            if name.hasPrefix(namePrefix) && name.utf8.count == namePrefix.utf8.count + 6 { stale.append(parent + "/" + name) }
        }
        closedir(handle)
        for directory in stale { remove(directory) }
    }

    private static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
    }

    private static func remove(_ directory: String) {
        // Only plain files are ever made here.
        if let handle = opendir(directory) {
            while let entry = readdir(handle) {
                let name = entryName(entry)
                if name != "." && name != ".." { unlink(directory + "/" + name) }
            }
            closedir(handle)
        }
        rmdir(directory)
    }

    /// A path for a scratch file.
    func path(_ name: String) -> String { directory + "/" + name }

    /// Moves a finished scratch file to its final name, then syncs the directory so that the
    /// rename survives a crash. The corresponding C functions are `rename` and `fsync`.
    func publish(_ scratchPath: String, as finalPath: String) throws(IOError) {
        guard rename(scratchPath, finalPath) == 0 else { throw IOError(.rename, path: finalPath, errno: errno) }
        let parent = AtomicFileWriter.directory(of: finalPath)
        let fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}
