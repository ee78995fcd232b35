/// What a recompression produced.
public struct RecompressionResult: Sendable {
    /// The output's size in bytes.
    public var size: UInt64
    /// The output's SHA256, lowercase hex.
    public var sha256: String
    /// The output's size and digests: SHA256 and whatever else was asked for.
    public var digests: DigestSet
    /// Whether the output was checked against the recipe's ``RecompressionRecipe/target`` and
    /// matched it (false when the recipe has none, or under ``RecompressionTargetUse/retryHint``
    /// when it missed).
    public var verified: Bool
    /// How the work was shared out: the recipe's ``RecompressionRecipe/parallelism``, or
    /// serial with the reason (one job, or a restart point that did not hold).
    public var parallelism: RecompressionParallelism
}

/// What a recompression does with its recipe's ``RecompressionRecipe/target``.
public enum RecompressionTargetUse: Sendable {
    /// An output that misses the target is refused: nothing is left, and the error says why.
    case required
    /// The target only tells a parallel output that went wrong (a restart point that did not
    /// hold) to start again serially; the serial output is kept whatever it is, for a caller
    /// that judges it itself (a fetch that records an alternate digest).
    case retryHint
}

/// Rebuilds compressed files from their content and a recipe.
///
/// The output is the same for every number of jobs; how a format uses them is
/// ``RecompressionRecipe/parallelism``: bzip2 blocks are compressed separately and their bits
/// joined, `xz -T` streams go through liblzma's multi-threaded encoder, and gzip recipes with
/// restart points (``DeflateRestartPoints``) are cut into segments there. Everything else is
/// serial.
public enum Recompressor {
    /// The jobs a recompression uses unless told otherwise: every online processor.
    public static var defaultJobs: Int { BlockingWork.processorCount }

    /// Compresses the file at `inputPath` as `recipe` says, into `outputPath`, on up to `jobs`
    /// threads. `digesting` adds algorithms to compute over the output in the same pass;
    /// `progress` is told the input bytes consumed so far, after each chunk or segment.
    ///
    /// The output appears under its final name only when complete and, if the recipe has a
    /// ``RecompressionRecipe/target``, only when it matches it; otherwise nothing is left.
    /// A restart point that does not hold (or an output that then misses the target) makes
    /// the rebuild start again serially. `targetUse` says whether a serial output that misses
    /// the target is refused (the default) or kept for the caller to judge.
    /// - Throws: ``RecipeError/mismatch(expected:actualSize:actualSHA256:library:localLibrary:)``
    ///   when the output differs from the target (naming both library versions when they
    ///   differ); ``FileError`` around I/O and codec errors.
    @discardableResult
    public static func recompress(
        inputPath: String, recipe: RecompressionRecipe, outputPath: String,
        digesting: [DigestAlgorithm] = [], jobs: Int = defaultJobs,
        targetUse: RecompressionTargetUse = .required,
        progress: ((UInt64) -> Void)? = nil
    ) throws -> RecompressionResult {
        try recompress(
            openingInput: { try ReadableFile(path: inputPath) }, inputPath: inputPath, recipe: recipe,
            outputPath: outputPath, digesting: digesting, jobs: jobs, targetUse: targetUse, progress: progress)
    }

    /// ``recompress(inputPath:recipe:outputPath:digesting:jobs:targetUse:progress:)`` from
    /// content that `openInput` opens at its start, once per attempt: a rebuild's scratch
    /// file that an earlier stage is still writing, read as it grows.
    static func recompress(
        openingInput openInput: () throws -> any RecompressionInput, inputPath: String,
        recipe: RecompressionRecipe, outputPath: String, digesting: [DigestAlgorithm], jobs: Int,
        targetUse: RecompressionTargetUse, progress: ((UInt64) -> Void)?
    ) throws -> RecompressionResult {
        func attempt(
            _ jobs: Int, _ parallelism: RecompressionParallelism, _ targetUse: RecompressionTargetUse
        ) throws -> RecompressionResult {
            try recompress(
                try openInput(), inputPath: inputPath, recipe: recipe, outputPath: outputPath,
                digesting: digesting, jobs: jobs, as: parallelism, targetUse: targetUse, progress: progress)
        }
        guard jobs > 1 else { return try attempt(1, .serial("one job"), targetUse) }
        var parallelism = recipe.parallelism
        if parallelism.usesRestartPoints {
            do {
                return try attempt(jobs, parallelism, .required)
            } catch let error as RestartPointError {
                parallelism = .serial(error.description)
            } catch RecipeError.mismatch {
                parallelism = .serial("the output cut at the restart points missed the target")
            }
        }
        return try attempt(jobs, parallelism, targetUse)
    }

    private static func recompress(
        _ input: any RecompressionInput, inputPath: String, recipe: RecompressionRecipe, outputPath: String,
        digesting: [DigestAlgorithm], jobs: Int, as parallelism: RecompressionParallelism,
        targetUse: RecompressionTargetUse, progress: ((UInt64) -> Void)?
    ) throws -> RecompressionResult {
        let writer = try AtomicFileWriter(path: outputPath)
        // The output is hashed on another thread as it is written.
        let digest = try BackgroundDigest([.sha256] + digesting)
        let sink: ChunkSink = { chunk in
            digest.update(chunk)
            try writer.write(chunk)
        }
        do {
            try encode(input, recipe: recipe, jobs: jobs, as: parallelism, progress: progress, into: sink)
        } catch let error as CompressionError {
            _ = digest.finalize()
            throw FileError(path: inputPath, underlying: error)
        } catch {
            _ = digest.finalize()
            throw error
        }
        let digests = digest.finalize()
        let size = digests.size
        let sha256 = digests[.sha256]?.hex ?? ""
        var verified = false
        if let target = recipe.target {
            verified = target.size == size && target.sha256 == sha256
            if !verified && (targetUse == .required || parallelism.usesRestartPoints) {
                throw RecipeError.mismatch(
                    expected: target, actualSize: size, actualSHA256: sha256,
                    library: recipe.library, localLibrary: recipe.localLibrary)
            }
        }
        try writer.commit()
        return RecompressionResult(
            size: size, sha256: sha256, digests: digests, verified: verified,
            parallelism: parallelism)
    }

    /// Content bytes between two progress reports of a serial recompression: fine enough that
    /// a rebuild's pace shows within its first second or so (``RebuildDeadline`` projects its
    /// end from that), coarse enough to cost nothing.
    static let serialProgressChunk = 256 << 10

    /// Compresses the content of `input` as `recipe` says into `sink`, shared out as
    /// `parallelism` says.
    private static func encode(
        _ input: any RecompressionInput, recipe: RecompressionRecipe, jobs: Int,
        as parallelism: RecompressionParallelism,
        progress: ((UInt64) -> Void)?, into sink: ChunkSink
    ) throws {
        switch parallelism {
        case .blocks:
            guard let bzip2 = recipe.bzip2 else { break }
            try Bzip2BlockCompression.encode(
                input, level: bzip2.blockSize, workFactor: bzip2.workFactor, jobs: jobs,
                progress: progress, into: sink)
            return try recipe.trailer.write(into: sink)
        case .segments:
            guard let gzip = recipe.gzip, let points = recipe.restartPoints else { break }
            try GzipSegmentedEncoding.encode(
                try input.contentSource(), gzip: gzip, points: points, jobs: jobs,
                progress: progress, into: sink)
            return try recipe.trailer.write(into: sink)
        case .reconstructedSegments:
            guard let gzip = recipe.gzip, let payload = recipe.extensionPayload(.deflateReconstruction) else { break }
            try DeflateSegmentedReplay.encodeGzip(
                input, gzip: gzip, payload: payload, jobs: jobs, progress: progress, into: sink)
            return try recipe.trailer.write(into: sink)
        default:
            break
        }
        let encoder = try recipe.makeEncoder(threads: jobs)
        var consumed: UInt64 = 0
        try input.forEachInputChunk(size: serialProgressChunk) { chunk in
            try encoder.process(chunk, into: sink)
            consumed += UInt64(chunk.count)
            progress?(consumed)
        }
        try encoder.finish(into: sink)
    }
}
