/// A private scratch directory inside a destination directory (so that publishing a file
/// from it is one atomic rename on the same file system), removed with everything in it
/// when the value goes away.
final class WorkDirectory: Sendable {
    let directory: String

    /// The marker in every work directory's name, which tells it from anything else.
    static let marker = ".deltafetch-work-"

    /// Creates `DIR/.deltafetch-work-XXXXXX`, or `DIR/.deltafetch-work-LABEL-XXXXXX` with a
    /// label (a target's name), so that ``removeStale(in:label:)`` can find what a killed run
    /// left. The corresponding C function is `mkdtemp`.
    init(in parent: String, label: String? = nil) throws(FileSystemError) {
        directory = try FileSystem.createTemporaryDirectory(
            template: Paths.join(parent, Self.namePrefix(label: label) + "XXXXXX"), in: parent)
        Self.shareWithGroup(directory, like: parent)
    }

    /// Opens a new scratch directory (mkdtemp makes it 0700) to the parent's group when the
    /// parent is group-writable: a mirror fleet's shared OUTDIR, a Portage distdir. A run of
    /// another user of the group can then clear what a killed run left (``removeStale``).
    /// Best effort: a directory left private only stays until its own user's next run.
    private static func shareWithGroup(_ directory: String, like parent: String) {
        guard let permissions = (try? FileSystem.status(of: parent))?.permissions, permissions & 0o020 != 0 else {
            return
        }
        // The parent's setgid bit too, which the new directory inherited and chmod would clear.
        try? FileSystem.setPermissions(0o700 | (permissions & 0o2070), of: directory)
    }

    deinit { Self.remove(directory) }

    private static func namePrefix(label: String?) -> String {
        marker + (label.map { $0 + "-" } ?? "")
    }

    /// Removes the work directories labelled `label` in `parent`: what a run killed before it
    /// could clean up left behind. Call only while holding the label's lock, so that no live
    /// run's directory is taken.
    static func removeStale(in parent: String, label: String) {
        let namePrefix = Self.namePrefix(label: label)
        guard let names = try? FileSystem.entries(in: parent) else { return }
        // mkdtemp adds exactly six characters; anything else belongs to another label.
        for name in names where name.hasPrefix(namePrefix) && name.utf8.count == namePrefix.utf8.count + 6 {
            remove(Paths.join(parent, name))
        }
    }

    private static func remove(_ directory: String) {
        // Only plain files are ever made here.
        for name in (try? FileSystem.entries(in: directory)) ?? [] {
            FileSystem.removeFileIfPresent(Paths.join(directory, name))
        }
        FileSystem.removeEmptyDirectoryIfPresent(directory)
    }

    /// `error` marked as a failure on one of this directory's scratch files
    /// (``RebuildError/scratch(_:)``) when it is, itself or inside a ``FileError``; else as it is.
    func claiming(_ error: any Error) -> any Error {
        if let io = error as? FileSystemError, holds(io.path) { return RebuildError.scratch(io) }
        if let file = error as? FileError, let io = file.underlying as? FileSystemError, holds(io.path) {
            return FileError(
                path: file.path, line: file.line, offset: file.offset, underlying: RebuildError.scratch(io))
        }
        return error
    }

    private func holds(_ path: String) -> Bool {
        path.hasPrefix(directory + "/")
    }

    /// A path for a scratch file.
    func path(_ name: String) -> String { Paths.join(directory, name) }

    /// Moves a finished scratch file to its final name, then syncs the directory so that the
    /// rename survives a crash. The corresponding C functions are `rename` and `fsync`.
    func publish(_ scratchPath: String, as finalPath: String) throws(FileSystemError) {
        try FileSystem.rename(scratchPath, to: finalPath)
        FileSystem.syncDirectory(Paths.directory(of: finalPath))
    }
}
