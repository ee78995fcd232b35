#if canImport(Glibc)
import Glibc
#endif

/// A private scratch directory inside a destination directory (so that publishing a file
/// from it is one atomic rename on the same file system), removed with everything in it
/// when the value goes away.
final class WorkDirectory {
    let directory: String

    /// Creates `DIR/.deltafetch-work-XXXXXX`. The corresponding C function is `mkdtemp`.
    init(in parent: String) throws(IOError) {
        var template = Array("\(parent)/.deltafetch-work-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw IOError(.createTemporary, path: parent, errno: errno)
        }
        directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit {
        // Only plain files are ever made here.
        if let handle = opendir(directory) {
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
                if name != "." && name != ".." { unlink(directory + "/" + name) }
            }
            closedir(handle)
        }
        rmdir(directory)
    }

    /// A path for a scratch file.
    func path(_ name: String) -> String { directory + "/" + name }

    /// Moves a finished scratch file to its final name. The corresponding C function is `rename`.
    func publish(_ scratchPath: String, as finalPath: String) throws(IOError) {
        guard rename(scratchPath, finalPath) == 0 else { throw IOError(.rename, path: finalPath, errno: errno) }
    }
}
