/// How `mkpatch create` makes and publishes a patch.
public struct PatchCreationOptions: Sendable {
    /// The hashes written into the patch-list line (GLEP 25 readers need MD5).
    public var hashes: [DigestAlgorithm]
    /// When set, the list names the patch by URL (`urlBase/name`) instead of by bare name.
    public var urlBase: String?
    /// The differ's settings.
    public var diff: DiffOptions
    /// What the new file's deflate reconstruction, if it needs one, is chosen for.
    public var reconstruction: ReconstructionGoal

    /// The defaults: MD5 for GLEP 25 readers, plus BLAKE2B and SHA512; reconstruction for a
    /// fast rebuild.
    public init(
        hashes: [DigestAlgorithm] = [.md5, .blake2b, .sha512], urlBase: String? = nil,
        diff: DiffOptions = DiffOptions(), reconstruction: ReconstructionGoal = .fastReplay
    ) {
        self.hashes = hashes
        self.urlBase = urlBase
        self.diff = diff
        self.reconstruction = reconstruction
    }
}

/// What `create` made.
public struct PatchCreation: Sendable {
    /// Where the patch was published.
    public var patchPath: String
    /// The patch-list line describing it.
    public var entry: PatchListEntry
    /// The patch's size in bytes.
    public var patchSize: UInt64
    /// The new distfile as it is (compressed).
    public var newFile: DigestSet
    /// The recipe that rebuilds the new distfile bit for bit, checked by doing it; nil when
    /// none was found (clients then verify the content and record an alternate digest).
    public var recipe: RecompressionRecipe?
    /// Why there is no recipe, when there is none.
    public var notReproducibleReason: String?
}

/// GLEP 25's "make a patch between this version and that one": diff the distfiles' contents,
/// store the new file's recompression recipe and compressed digests in the patch, prove the
/// patch by applying it and recompressing, and only then publish it.
public enum PatchCreator {
    /// The name a patch is published under: GLEP 25's `old-stem-newversion` (its example is
    /// `kdelibs-3.1.4-3.1.5.patch`), keeping the new file's archive ending so that a release
    /// shipped as both `.tar.gz` and `.tar.xz` gets two patches, not one name for both:
    /// `six-1.16.0.tar.gz` → `six-1.17.0.tar.gz` gives `six-1.16.0-1.17.0.tar.gz.patch`.
    ///
    /// The name is a function of the two file names only, so reruns and fleets agree on it.
    /// When the archive endings differ the old ending stays too
    /// (`foo-1.0.tar.bz2-1.1.tar.xz.patch`); when the packages differ (letter case aside) or a
    /// version cannot be found, the new name is kept whole (`a-1-b-2.tar.gz.patch`).
    public static func patchName(oldFileName: String, newFileName: String) -> String {
        let oldEnding = archiveEnding(oldFileName), newEnding = archiveEnding(newFileName)
        let oldStem = String(oldFileName.dropLast(oldEnding.count))
        let oldPart = oldEnding == newEnding ? oldStem : oldFileName
        let newPart: String
        if let old = DistfileName(oldFileName), let new = DistfileName(newFileName),
            old.package.lowercased() == new.package.lowercased()
        {
            newPart = new.versionText
        } else {
            newPart = String(newFileName.dropLast(newEnding.count))
        }
        return "\(oldPart)-\(newPart)\(newEnding).patch"
    }

    /// The archive ending of a distfile name as ``DistfileName`` sees it (`.orig.tar.bz2`,
    /// `.tar.gz`), or the empty string.
    private static func archiveEnding(_ fileName: String) -> String {
        if let parsed = DistfileName(fileName) { return parsed.suffix }
        return DistfileName.archiveEndings.first(where: { fileName.hasSuffix($0) && fileName.count > $0.count }) ?? ""
    }

    /// Makes the patch from `oldPath` to `newPath` and publishes it in `outputDirectory`.
    /// - Throws: ``FileError`` naming the file at fault; ``CreationError`` when the made patch
    ///   does not rebuild the new file (nothing is published then).
    public static func create(
        oldPath: String, newPath: String, outputDirectory: String,
        options: PatchCreationOptions = PatchCreationOptions()
    ) throws -> PatchCreation {
        try create(
            oldPath: oldPath, newPath: newPath, outputDirectory: outputDirectory, options: options,
            detect: { try RecipeDetector.detect(path: $0, reconstruction: $1, provesReconstruction: false) })
    }

    /// ``create(oldPath:newPath:outputDirectory:options:)`` with the recipe detection given
    /// (tests hand in a reconstruction that does not replay). `detect` need not replay a
    /// deflate reconstruction: the rebuild proven below replays it.
    static func create(
        oldPath: String, newPath: String, outputDirectory: String, options: PatchCreationOptions,
        detect: (String, ReconstructionGoal) throws -> RecipeDetection
    ) throws -> PatchCreation {
        let oldFileName = baseName(oldPath), newFileName = baseName(newPath)
        let old = try FileInspector.inspect(path: oldPath, algorithms: options.hashes)
        let new = try FileInspector.inspect(path: newPath, algorithms: Array(Set(options.hashes + [.sha256])))
        var detection =
            new.format == .none
            ? RecipeDetection(recipe: nil, candidatesTried: 0, reason: "the new file is not compressed")
            : try detect(newPath, options.reconstruction)

        let patchName = patchName(oldFileName: oldFileName, newFileName: newFileName)
        // Labelled with the patch's name, so that a run killed or failed before it could clean
        // up is cleared by the next one that publishes the same patch.
        let work = try WorkDirectory(in: outputDirectory, label: patchName)
        let patchDraft = work.path("patch")
        let content = work.path("content")
        // Prove the patch before anyone can see it: it must rebuild the content, and with the
        // recipe the very bytes of the new distfile.
        func draftAndProve(_ recipe: RecompressionRecipe?) throws -> Bool {
            let metadata = PatchMetadata(recipe: recipe?.serialized(), targetCompressed: new.compressed)
            try FileDiffer.diff(
                oldPath: oldPath, newPath: newPath, outputPath: patchDraft, metadata: metadata, options: options.diff)
            let applied = try PatchFileApplier.apply(basePath: oldPath, patchPath: patchDraft, outputPath: content)
            guard applied.result.matches(new.uncompressed) else {
                throw CreationError.rebuildDiffers(newPath, what: "uncompressed content")
            }
            guard let recipe else { return true }
            do {
                let rebuilt = try Recompressor.recompress(
                    inputPath: content, recipe: recipe, outputPath: work.path("rebuilt"))
                return rebuilt.size == new.compressed.size && rebuilt.sha256 == new.compressed[.sha256]?.hex
            } catch is RecipeError where recipe.usesDeflateReconstruction {
                return false  // a reconstruction its replay refuses: as one that writes other bytes
            }
        }
        if try !draftAndProve(detection.recipe) {
            guard detection.recipe?.usesDeflateReconstruction == true else {
                throw CreationError.rebuildDiffers(newPath, what: "recompressed file")
            }
            // This rebuild was the reconstruction's only replay: one that differs is dropped,
            // as the analysis's own replay would have dropped it, and the patch goes without.
            detection = RecipeDetection(
                recipe: nil, candidatesTried: detection.candidatesTried, reason: RecompressionRecipe.unreplayedReason)
            _ = try draftAndProve(nil)
        }

        let patchPath = Paths.join(outputDirectory, patchName)
        let patchDigests = try FileInspector.inspect(path: patchDraft, algorithms: options.hashes).compressed
        try work.publish(patchDraft, as: patchPath)
        WorkDirectory.removeStale(in: outputDirectory, label: patchName)

        let location = options.urlBase.map { $0.hasSuffix("/") ? $0 + patchName : $0 + "/" + patchName } ?? patchName
        let entry = PatchListEntry(
            patch: HashedPart(name: location, digests: patchDigests),
            base: HashedPart(name: oldFileName, digests: old.compressed),
            target: HashedPart(
                name: newFileName, digests: new.uncompressed.restricted(to: options.hashes), isUncompressed: true))
        return PatchCreation(
            patchPath: patchPath, entry: entry, patchSize: patchDigests.size, newFile: new.compressed,
            recipe: detection.recipe, notReproducibleReason: detection.reproducible ? nil : detection.reason)
    }

    /// Adds or replaces `entry` in the list at `listPath` (created if missing), under a lock
    /// so that parallel jobs do not lose each other's lines, and rewrites it atomically.
    /// - Returns: whether the list changed.
    @discardableResult
    public static func record(_ entry: PatchListEntry, inList listPath: String) throws -> Bool {
        let lock = try ReadWriteFileLock(path: lockPath(forList: listPath), mode: .exclusive)
        defer { withExtendedLifetime(lock) {} }
        var document = try PatchListDocument.load(path: listPath)
        guard try document.upsert(entry) else { return false }
        let writer = try AtomicFileWriter(path: listPath)
        try writer.write(Array(try document.text().utf8))
        try writer.commit()
        return true
    }

    /// Adds or replaces each of `entries` in the list at `listPath` under one lock and one
    /// atomic rewrite (merging many results at once, as `mkpatch index` does).
    /// - Returns: whether the list changed.
    @discardableResult
    public static func record(contentsOf entries: [PatchListEntry], inList listPath: String) throws -> Bool {
        let lock = try ReadWriteFileLock(path: lockPath(forList: listPath), mode: .exclusive)
        defer { withExtendedLifetime(lock) {} }
        var document = try PatchListDocument.load(path: listPath)
        var changed = false
        for entry in entries where try document.upsert(entry) { changed = true }
        guard changed else { return false }
        let writer = try AtomicFileWriter(path: listPath)
        try writer.write(Array(try document.text().utf8))
        try writer.commit()
        return true
    }

    /// The lock file beside a list: hidden, so a mirror's listing does not show it.
    static func lockPath(forList listPath: String) -> String {
        Paths.join(Paths.directory(of: listPath), "." + baseName(listPath) + ".lock")
    }

    static func baseName(_ path: String) -> String {
        Paths.name(of: path)
    }
}

/// What can go wrong making a patch, beyond reading the inputs.
public enum CreationError: DeltaCoreError, Equatable {
    /// The patch just made did not rebuild the new file: a bug, never published.
    case rebuildDiffers(String, what: String)

    public var description: String {
        switch self {
        case let .rebuildDiffers(path, what):
            "\(path): the patch was made but its rebuilt \(what) differs; nothing was published (please report this)"
        }
    }
}

extension DigestSet {
    /// The same size with only the digests of `algorithms`.
    func restricted(to algorithms: [DigestAlgorithm]) -> DigestSet {
        DigestSet(size: size, digests: digests.values.filter { algorithms.contains($0.algorithm) })
    }
}
