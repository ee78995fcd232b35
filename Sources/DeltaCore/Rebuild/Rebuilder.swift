/// What a rebuild produced.
public struct RebuildResult: Sendable {
    /// Size and digests of the rebuilt file's uncompressed content, as the last patch's header
    /// promised (verified).
    public var content: DigestSet
    /// Size and SHA256 of the rebuilt distfile as written.
    public var output: DigestSet
    /// The recipe the distfile was recompressed with.
    public var recipe: RecompressionRecipe
    /// How the recompression used the cores.
    public var parallelism: RecompressionParallelism
}

/// Rebuilds a distfile from a base and a chain of patches: each patch applies to the previous
/// one's content (intermediate versions are never recompressed), the result is recompressed
/// with the last patch's recipe, and the distfile appears under its name only when it
/// matches the compressed size and digests the patch carries.
public enum Rebuilder {
    /// Applies `chain` to `basePath` and writes the new distfile to `outputPath`, recompressing
    /// on up to `jobs` threads (the output is the same for any number).
    /// - Throws: ``RebuildError`` when the chain is empty, the last patch carries no recipe, or
    ///   the recompressed file differs from what the patch records; ``FileError`` naming the
    ///   file at fault for anything a patch or a base is wrong about. Nothing is left at
    ///   `outputPath` on any error.
    /// - Parameters:
    ///   - scheduling: pipelined (the default) or one stage after another; the same bytes.
    ///   - progress: told of each stage, one call at a time.
    @discardableResult
    public static func rebuild(
        basePath: String, chain: [String], outputPath: String,
        jobs: Int = Recompressor.defaultJobs, scheduling: RebuildScheduling = .pipelined,
        progress: ((RebuildStage) -> Void)? = nil
    ) throws -> RebuildResult {
        guard let lastPatch = chain.last else { throw RebuildError.emptyChain }
        let name = Paths.name(of: outputPath)
        let rebuilt = try rebuild(
            basePath: basePath, chain: chain.map { ChainLink(patchPath: $0) }, targetName: name,
            in: Paths.directory(of: outputPath),
            digesting: [.sha256] + (try recordedAlgorithms(lastPatch)), jobs: jobs, scheduling: scheduling,
            progress: progress)
        guard rebuilt.recipeFromPatch else { throw RebuildError.noRecipe(lastPatch) }
        if rebuilt.matchesRecordedTarget == false {
            throw RebuildError.differs(
                lastPatch, expected: rebuilt.recordedTarget?.size ?? rebuilt.recipe.target?.size ?? 0,
                actual: rebuilt.compressed.size)
        }
        try rebuilt.publish(as: outputPath)
        let sha256 = rebuilt.compressed[.sha256].map { [$0] } ?? []
        return RebuildResult(
            content: rebuilt.content, output: DigestSet(size: rebuilt.compressed.size, digests: sha256),
            recipe: rebuilt.recipe, parallelism: rebuilt.parallelism)
    }

    /// Removes the scratch directories that killed or failed rebuilds of `target` left in
    /// `directory`. Call only while holding the target's lock, so that no live rebuild's
    /// directory is taken.
    public static func removeLeftovers(of target: String, in directory: String) {
        WorkDirectory.removeStale(in: directory, label: target)
    }

    /// The recompression recipe the native patch at `path` carries for its target, or nil
    /// when it carries none or cannot be read (the rebuild then says why).
    public static func recipe(ofPatch path: String) -> RecompressionRecipe? {
        guard let patch = try? ReadableFile(path: path),
            let magic = try? patch.prefix(PatchFormat.magicLength), PatchFormat.detect(magic) == .native,
            let header = try? NativePatchHeader.read(from: patch),
            let bytes = header.metadata.recipe
        else { return nil }
        return try? RecompressionRecipe(serialized: bytes)
    }

    /// The algorithms of the compressed digests a native patch records for its target.
    private static func recordedAlgorithms(_ patchPath: String) throws -> [DigestAlgorithm] {
        let patch = try ReadableFile(path: patchPath)
        guard PatchFormat.detect(try patch.prefix(PatchFormat.magicLength)) == .native,
            let header = try? NativePatchHeader.read(from: patch),
            let recorded = header.metadata.targetCompressed
        else { return [] }
        return Array(recorded.digests.keys)
    }
}

/// What can go wrong rebuilding a distfile beyond a bad patch or base.
public enum RebuildError: DeltaCoreError, Equatable {
    /// ", MD5 <hex> instead of <hex>" for the first algorithm both sets hold and disagree on.
    static func firstShared(_ expected: DigestSet, _ actual: DigestSet) -> String {
        for (algorithm, digest) in expected.digests.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if let theirs = actual[algorithm], theirs != digest {
                return ", \(algorithm.rawValue) \(theirs.hex) instead of \(digest.hex)"
            }
        }
        return ""
    }

    /// No patches were given.
    case emptyChain
    /// The last patch carries no recompression recipe, so only the content can be rebuilt.
    case noRecipe(String)
    /// The recompressed file is not the distfile the patch describes.
    case differs(String, expected: UInt64, actual: UInt64)
    /// A patch yielded other content than the patch list promises.
    case contentMismatch(expected: DigestSet, actual: DigestSet)
    /// A scratch file of the rebuild (in its work directory beside the output) could not be
    /// made, written or read: the directory's failure, not the patches'.
    case scratch(FileSystemError)
    /// The rebuild was stopped through its ``RebuildCancellation``.
    case cancelled

    public var description: String {
        switch self {
        case .emptyChain:
            "no patches to apply"
        case let .noRecipe(patch):
            "\(patch) carries no recompression recipe: its target cannot be rebuilt bit for bit (use mkpatch apply for the content)"
        case let .differs(patch, expected, actual):
            "\(patch): the recompressed file (\(actual) bytes) differs from the distfile the patch describes (\(expected) bytes)"
        case let .contentMismatch(expected, actual):
            "the patched content (\(actual.size) bytes\(Self.firstShared(expected, actual))) is not what the patch list promises (\(expected.size) bytes)"
        case let .scratch(error):
            error.description
        case .cancelled:
            "the rebuild was cancelled"
        }
    }
}
