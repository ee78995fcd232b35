/// One patch of a chain, and what the patch list promises of the content it yields.
public struct ChainLink: Sendable {
    /// The patch file on disk (any format PatchFileApplier reads, wrapped or not).
    public var patchPath: String
    /// The size and digests of the uncompressed content this patch must yield (the list's
    /// `UMD5`/`UBLAKE2B` part); nil to rely on the patch's own header alone.
    public var expectedContent: DigestSet?

    /// A link of a chain.
    public init(patchPath: String, expectedContent: DigestSet? = nil) {
        self.patchPath = patchPath
        self.expectedContent = expectedContent
    }
}

/// What a chain rebuild is doing, for progress lines.
public enum RebuildStage: Sendable, Equatable {
    /// Decompressing the base distfile.
    case decompressingBase(String)
    /// Applying patch `index` (from 1) of `count`.
    case applying(index: Int, count: Int, patch: String)
    /// Recompressing the content into the distfile format.
    case recompressing(CompressionFormat)
    /// Recompression has consumed `done` of `total` content bytes (after each chunk).
    case recompressed(done: UInt64, total: UInt64)
}

/// How a rebuild's stages (decompressing the base, applying each patch, recompressing, and
/// hashing each of these) are scheduled. The output is the same either way.
public enum RebuildScheduling: Sendable, Equatable {
    /// At once, each stage reading what the one before is still writing, so that none waits
    /// for a whole file (when every patch is a native one, not wrapped, and the target has a
    /// recipe; otherwise one after another).
    case pipelined
    /// One after another, each on the whole output of the one before: for comparison, and to
    /// time the stages apart (``RebuildStage`` events then mark where each begins).
    case sequential
}

/// A distfile rebuilt from a chain, waiting in a scratch directory beside its destination
/// until it is published or dropped (dropping it deletes the scratch directory).
public final class RebuiltDistfile: Sendable {
    /// The verified size and digests of the uncompressed content.
    public let content: DigestSet
    /// The size and digests of the rebuilt compressed file.
    public let compressed: DigestSet
    /// The recipe it was recompressed with.
    public let recipe: RecompressionRecipe
    /// Whether that recipe came from the last patch (else from the file name's convention).
    public let recipeFromPatch: Bool
    /// The compressed size and digests the last patch records for its target, if any.
    public let recordedTarget: DigestSet?
    /// How the recompression used the cores (serial, with the reason, when it could not share
    /// the work out or a restart point did not hold).
    public let parallelism: RecompressionParallelism
    private let work: WorkDirectory
    private let scratchPath: String

    init(
        content: DigestSet, compressed: DigestSet, recipe: RecompressionRecipe, recipeFromPatch: Bool,
        recordedTarget: DigestSet?, parallelism: RecompressionParallelism, work: WorkDirectory, scratchPath: String
    ) {
        self.content = content
        self.compressed = compressed
        self.recipe = recipe
        self.recipeFromPatch = recipeFromPatch
        self.recordedTarget = recordedTarget
        self.parallelism = parallelism
        self.work = work
        self.scratchPath = scratchPath
    }

    /// Whether the rebuilt file is the one the last patch describes: true or false when the
    /// patch records the target's compressed digests (or its recipe does), nil when it does not.
    public var matchesRecordedTarget: Bool? {
        if let recordedTarget { return recordedTarget.matches(compressed) }
        if let target = recipe.target {
            return target.size == compressed.size && compressed[.sha256]?.hex == target.sha256
        }
        return nil
    }

    /// Moves the rebuilt file to `path` (in the directory the rebuild was made in) atomically.
    /// - Throws: ``FileSystemError`` when the rename fails; the scratch file then stays until this
    ///   value goes away.
    public func publish(as path: String) throws(FileSystemError) {
        try work.publish(scratchPath, as: path)
    }
}

extension Rebuilder {
    /// Rebuilds a distfile from `basePath` and `chain`, checking each link's content, and
    /// leaves it in a scratch directory in `directory` for the caller to judge and publish.
    ///
    /// The base is decompressed first when compressed (patch lists describe uncompressed
    /// contents); each patch is applied to the previous content, which is then deleted, so at
    /// most two contents are on disk at once; the last content is recompressed with the last
    /// patch's recipe, or the convention for `targetName` when it carries none
    /// (``RecompressionRecipe/conventional(forFileName:)``), or kept as it is for a `.tar`.
    /// - Parameters:
    ///   - directory: where the scratch directory goes: the destination's directory, so that
    ///     publishing is one rename. A killed run's leftovers for `targetName` are removed by
    ///     the next call (hold the target's lock around calls).
    ///   - digesting: algorithms to compute over the rebuilt file (those it will be judged by).
    ///   - jobs: threads for the recompression (``Recompressor``); the output is the same for any number.
    ///   - scheduling: pipelined (the default) or one stage after another; the same bytes.
    ///   - cancellation: stops the rebuild when cancelled (``RebuildError/cancelled``).
    ///   - progress: told of each stage (from the stages' threads when pipelined, one call at a
    ///     time).
    /// - Throws: ``RebuildError/emptyChain``, ``RebuildError/noRecipe(_:)`` for a target
    ///   whose format has no conventional recipe; ``FileError`` naming the patch or base at
    ///   fault (``RebuildError/contentMismatch(expected:actual:)`` inside when a link yields
    ///   other content than the list promises), ``RebuildError/scratch(_:)`` when a scratch file
    ///   fails (the distdir's failure), ``FileSystemError`` for other local failures.
    public static func rebuild(
        basePath: String, chain: [ChainLink], targetName: String, in directory: String,
        digesting: [DigestAlgorithm] = [.sha256], jobs: Int = Recompressor.defaultJobs,
        scheduling: RebuildScheduling = .pipelined, cancellation: RebuildCancellation? = nil,
        progress: ((RebuildStage) -> Void)? = nil
    ) throws -> RebuiltDistfile {
        guard !chain.isEmpty else { throw RebuildError.emptyChain }
        WorkDirectory.removeStale(in: directory, label: targetName)
        let work = try WorkDirectory(in: directory, label: targetName)
        // A failure on a scratch file is this directory's (a full or read-only distdir), never
        // a patch's or the base's: say so in the error's type.
        do {
            var current = basePath
            let baseFile = try ReadableFile(path: basePath)
            let baseFormat = CompressionFormat.detect(try baseFile.prefix(CompressionFormat.magicLength))
            if scheduling == .pipelined, let links = try PipelinedRebuild.readLinks(chain),
                let recipe = try pipelineRecipe(links, targetName: targetName)
            {
                let pipeline = PipelinedRebuild(
                    basePath: basePath, baseFile: baseFile, baseFormat: baseFormat, links: links,
                    recipe: recipe.recipe, scratchPath: { [directory = work.path("")] in Paths.join(directory, $0) },
                    digesting: digesting, jobs: jobs, cancellation: cancellation,
                    progress: SerializedProgress(progress))
                let rebuilt = work.path("rebuilt")
                let (content, result): (DigestSet, RecompressionResult)
                do {
                    (content, result) = try pipeline.run(outputPath: rebuilt)
                } catch  where cancellation?.isCancelled == true && PipelineStages.isStop(error) {
                    throw RebuildError.cancelled
                }
                return RebuiltDistfile(
                    content: content, compressed: result.digests, recipe: recipe.recipe,
                    recipeFromPatch: recipe.fromPatch,
                    recordedTarget: links[links.count - 1].header.metadata.targetCompressed,
                    parallelism: result.parallelism, work: work, scratchPath: rebuilt)
            }
            try cancellation?.check()
            if baseFormat != .none {
                progress?(.decompressingBase(basePath))
                let writer = try AtomicFileWriter(path: work.path("base"))
                try PatchFileApplier.decompress(
                    baseFile, format: baseFormat, into: writer, limit: .max, path: basePath,
                    tooLarge: PatchFormatError.unwrappedTooLarge(limit: .max))
                try writer.commit()
                current = work.path("base")
            }

            var application: PatchApplication?
            for (index, link) in chain.enumerated() {
                try cancellation?.check()
                progress?(.applying(index: index + 1, count: chain.count, patch: link.patchPath))
                let output = work.path("content-\(index)")
                let algorithms = link.expectedContent.map { Array($0.digests.keys) } ?? []
                let applied = try PatchFileApplier.apply(
                    basePath: current, patchPath: link.patchPath, outputPath: output,
                    alsoDigesting: algorithms)
                if let expected = link.expectedContent, !expected.matches(applied.result) {
                    throw FileError(
                        path: link.patchPath,
                        underlying: RebuildError.contentMismatch(
                            expected: expected, actual: applied.result))
                }
                // Intermediate contents are never needed again; the original base stays.
                if current != basePath { FileSystem.removeFileIfPresent(current) }
                current = output
                application = applied
            }
            guard let last = application else { throw RebuildError.emptyChain }
            let lastPatch = chain[chain.count - 1].patchPath

            let recipe: RecompressionRecipe
            let recipeFromPatch: Bool
            if let bytes = last.metadata.recipe {
                do {
                    recipe = try RecompressionRecipe(serialized: bytes)
                } catch {
                    throw FileError(path: lastPatch, underlying: error)
                }
                recipeFromPatch = true
            } else if let conventional = RecompressionRecipe.conventional(forFileName: targetName) {
                recipe = conventional
                recipeFromPatch = false
            } else if targetName.lowercased().hasSuffix(".tar") {
                // The content is the distfile.
                let digests = try MultiDigest.digests(ofFile: current, algorithms: digesting + [.sha256])
                let plain = RecompressionRecipe(format: .none, library: CodecLibrary(name: "none", version: ""))
                return RebuiltDistfile(
                    content: last.result, compressed: digests, recipe: plain, recipeFromPatch: false,
                    recordedTarget: last.metadata.targetCompressed, parallelism: .serial("not compressed"),
                    work: work, scratchPath: current)
            } else {
                throw RebuildError.noRecipe(lastPatch)
            }
            // Judged by the caller, so the recompressor must not refuse a different result; the
            // target still sends a parallel rebuild that missed it back to a serial one.
            try cancellation?.check()
            progress?(.recompressing(recipe.format))
            let rebuilt = work.path("rebuilt")
            let total = last.result.size
            let result = try Recompressor.recompress(
                inputPath: current, recipe: recipe, outputPath: rebuilt, digesting: digesting,
                jobs: jobs, targetUse: .retryHint,
                progress: progress.map { report in { report(.recompressed(done: $0, total: total)) } })
            FileSystem.removeFileIfPresent(current)
            return RebuiltDistfile(
                content: last.result, compressed: result.digests, recipe: recipe, recipeFromPatch: recipeFromPatch,
                recordedTarget: last.metadata.targetCompressed, parallelism: result.parallelism,
                work: work, scratchPath: rebuilt)
        } catch {
            throw work.claiming(error)
        }
    }

    /// The recipe a pipelined rebuild recompresses with: the last patch's, else the name's
    /// convention; nil when there is none (a `.tar`, or a chain the sequential path refuses).
    private static func pipelineRecipe(_ links: [PipelinedRebuild.Link], targetName: String) throws
        -> (recipe: RecompressionRecipe, fromPatch: Bool)?
    {
        let last = links[links.count - 1]
        if let bytes = last.header.metadata.recipe {
            do {
                return (try RecompressionRecipe(serialized: bytes), true)
            } catch {
                throw FileError(path: last.link.patchPath, underlying: error)
            }
        }
        return RecompressionRecipe.conventional(forFileName: targetName).map { ($0, false) }
    }
}
