/// What a recompression produced.
public struct RecompressionResult: Sendable {
    /// The output's size in bytes.
    public var size: UInt64
    /// The output's SHA256, lowercase hex.
    public var sha256: String
    /// The output's size and digests: SHA256 and whatever else was asked for.
    public var digests: DigestSet
    /// Whether the output was checked against the recipe's ``RecompressionRecipe/target``
    /// (false when the recipe has none).
    public var verified: Bool
}

/// Rebuilds compressed files from their content and a recipe.
public enum Recompressor {
    /// Compresses the file at `inputPath` as `recipe` says, into `outputPath`.
    /// `digesting` adds algorithms to compute over the output in the same pass; `progress` is
    /// told the input bytes consumed so far, after each chunk.
    ///
    /// The output appears under its final name only when complete and, if the recipe has a
    /// ``RecompressionRecipe/target``, only when it matches it; otherwise nothing is left.
    /// - Throws: ``RecipeError/mismatch(expected:actualSize:actualSHA256:library:localLibrary:)``
    ///   when the output differs from the target (naming both library versions when they
    ///   differ); ``FileError`` around I/O and codec errors.
    @discardableResult
    public static func recompress(inputPath: String, recipe: RecompressionRecipe, outputPath: String,
                                  digesting: [DigestAlgorithm] = [],
                                  progress: ((UInt64) -> Void)? = nil) throws -> RecompressionResult {
        let input = try ReadableFile(path: inputPath)
        let writer = try AtomicFileWriter(path: outputPath)
        var digest = try MultiDigest([.sha256] + digesting)
        let encoder = try recipe.makeEncoder()
        let sink: ChunkSink = { chunk in
            digest.update(chunk)
            try writer.write(chunk)
        }
        do {
            var consumed: UInt64 = 0
            try input.forEachChunk { chunk in
                try encoder.process(chunk, into: sink)
                consumed += UInt64(chunk.count)
                progress?(consumed)
            }
            try encoder.finish(into: sink)
        } catch let error as CompressionError {
            throw FileError(path: inputPath, underlying: error)
        }
        let digests = digest.finalize()
        let size = digests.size
        let sha256 = digests[.sha256]?.hex ?? ""
        if let target = recipe.target {
            guard target.size == size, target.sha256 == sha256 else {
                throw RecipeError.mismatch(expected: target, actualSize: size, actualSHA256: sha256,
                                           library: recipe.library, localLibrary: recipe.localLibrary)
            }
        }
        try writer.commit()
        return RecompressionResult(size: size, sha256: sha256, digests: digests, verified: recipe.target != nil)
    }
}
