/// What `prune` removed.
public struct PruneResult: Sendable {
    /// The entries dropped because their base or target is gone from the mirror.
    public var removed: [PatchListEntry]
    /// The patch files deleted (only with `deletePatches`).
    public var deletedPatches: [String]
}

/// Keeps a patch list in step with a mirror: entries whose base or target distfile is gone
/// are dropped, under the list's lock, and the list rewritten atomically.
public enum Pruner {
    /// Drops the entries of the list at `listPath` whose base or target name is not a file in
    /// `distdir`; with `deletePatches`, also deletes their patch files when named bare (beside
    /// the list). Comments and unparseable lines are kept.
    /// - Throws: ``FileSystemError`` when the list is missing or `distdir` cannot be listed (a mistyped
    ///   directory must not empty the list).
    public static func prune(listPath: String, distdir: String, deletePatches: Bool = false) throws -> PruneResult {
        guard FileSystem.exists(listPath) else {
            throw FileSystemError(.open, path: listPath, errno: .noSuchFileOrDirectory)
        }
        let present = Set(try BatchPlanner.regularFileNames(in: distdir))
        let lock = try ReadWriteFileLock(path: PatchCreator.lockPath(forList: listPath), mode: .exclusive)
        defer { withExtendedLifetime(lock) {} }
        var document = try PatchListDocument.load(path: listPath)
        let removed = document.remove { entry in
            !present.contains(entry.baseName) || !present.contains(entry.targetName)
        }
        guard !removed.isEmpty else { return PruneResult(removed: [], deletedPatches: []) }
        let writer = try AtomicFileWriter(path: listPath)
        try writer.write(Array(try document.text().utf8))
        try writer.commit()
        var deleted = [String]()
        if deletePatches {
            let directory = Paths.directory(of: listPath)
            // Only bare names: a URL or a path elsewhere is not this list's file to delete.
            for entry in removed
            where !entry.patchIsURL && !entry.patchLocation.contains("/") && !entry.patchLocation.isEmpty {
                let path = Paths.join(directory, entry.patchLocation)
                if FileSystem.removeFileIfPresent(path) { deleted.append(path) }
            }
        }
        return PruneResult(removed: removed, deletedPatches: deleted)
    }
}
