/// What a rebuild produced.
public struct RebuildResult: Sendable {
    /// Size and digests of the rebuilt file's uncompressed content, as the last patch's header
    /// promised (verified).
    public var content: DigestSet
    /// Size and SHA256 of the rebuilt distfile as written.
    public var output: DigestSet
    /// The recipe the distfile was recompressed with.
    public var recipe: RecompressionRecipe
}

/// Rebuilds a distfile from a base and a chain of patches: each patch applies to the previous
/// one's content (intermediate versions are never recompressed), the result is recompressed
/// with the last patch's recipe, and the distfile appears under its name only when it
/// matches the compressed size and digests the patch carries.
public enum Rebuilder {
    /// Applies `chain` to `basePath` and writes the new distfile to `outputPath`.
    /// - Throws: ``RebuildError`` when the chain is empty, the last patch carries no recipe, or
    ///   the recompressed file differs from what the patch records; ``FileError`` naming the
    ///   file at fault for anything a patch or a base is wrong about. Nothing is left at
    ///   `outputPath` on any error.
    @discardableResult
    public static func rebuild(basePath: String, chain: [String], outputPath: String) throws -> RebuildResult {
        guard let lastPatch = chain.last else { throw RebuildError.emptyChain }
        let work = try WorkDirectory(in: AtomicFileWriter.directory(of: outputPath))
        var base = basePath
        var application: PatchApplication?
        for (index, patch) in chain.enumerated() {
            let content = work.path("content-\(index)")
            application = try PatchFileApplier.apply(basePath: base, patchPath: patch, outputPath: content)
            base = content
        }
        guard let last = application, let recipeBytes = last.metadata.recipe else {
            throw RebuildError.noRecipe(lastPatch)
        }
        let recipe: RecompressionRecipe
        do {
            recipe = try RecompressionRecipe(serialized: recipeBytes)
        } catch {
            throw FileError(path: lastPatch, underlying: error)
        }
        let rebuilt = work.path("rebuilt")
        let result = try Recompressor.recompress(inputPath: base, recipe: recipe, outputPath: rebuilt)
        let written = DigestSet(size: result.size, digests: [try Digest(algorithm: .sha256, hex: result.sha256)])
        if let expected = last.metadata.targetCompressed {
            // Check every digest the patch records, not only the SHA256 the recompressor computed.
            let actual = try FileInspector.inspect(path: rebuilt, algorithms: Array(expected.digests.keys)).compressed
            guard actual.matches(expected) else {
                throw RebuildError.differs(lastPatch, expected: expected.size, actual: actual.size)
            }
        }
        try work.publish(rebuilt, as: outputPath)
        return RebuildResult(content: last.result, output: written, recipe: recipe)
    }
}

/// What can go wrong rebuilding a distfile beyond a bad patch or base.
public enum RebuildError: DeltaCoreError, Equatable {
    /// No patches were given.
    case emptyChain
    /// The last patch carries no recompression recipe, so only the content can be rebuilt.
    case noRecipe(String)
    /// The recompressed file is not the distfile the patch describes.
    case differs(String, expected: UInt64, actual: UInt64)

    public var description: String {
        switch self {
        case .emptyChain:
            "no patches to apply"
        case let .noRecipe(patch):
            "\(patch) carries no recompression recipe: its target cannot be rebuilt bit for bit (use mkpatch apply for the content)"
        case let .differs(patch, expected, actual):
            "\(patch): the recompressed file (\(actual) bytes) differs from the distfile the patch describes (\(expected) bytes)"
        }
    }
}
