import Synchronization

/// A chain rebuild as a pipeline: decompressing the base, applying each patch and
/// recompressing run at once, each stage reading the scratch file the one before is still
/// writing (``GrowingFile``), so that none waits for a whole file. Each content is hashed as it
/// streams, and every check the sequential rebuild makes is made: the base's and each link's
/// size and digests against the patch headers and the list, before the result is returned
/// for judging. A failing stage stops the others; nothing is published here.
///
/// Used when every link is a native patch, not wrapped, and the target has a recipe (from the
/// last patch or the name's convention); anything else is rebuilt stage after stage.
struct PipelinedRebuild {
    /// A link with its patch's header, read before anything starts.
    struct Link {
        var link: ChainLink
        var patch: ReadableFile
        var header: NativePatchHeader
    }

    let basePath: String
    let baseFile: ReadableFile
    let baseFormat: CompressionFormat
    let links: [Link]
    let recipe: RecompressionRecipe
    /// Names a scratch file in the rebuild's work directory. Only paths: the work directory
    /// itself stays with the caller, so that it is removed when the caller drops it, not
    /// whenever a stage's thread lets go of its closure.
    let scratchPath: (String) -> String
    let digesting: [DigestAlgorithm]
    let jobs: Int
    /// Stops every stage when cancelled (checked as recompression reports its progress).
    let cancellation: RebuildCancellation?
    let progress: SerializedProgress

    /// The headers of `chain`'s patches when every one is a native patch that is not
    /// wrapped, else nil (the chain is then rebuilt stage after stage).
    static func readLinks(_ chain: [ChainLink]) throws -> [Link]? {
        var links: [Link] = []
        for link in chain {
            let patch = try ReadableFile(path: link.patchPath)
            guard PatchFormat.detect(try patch.prefix(PatchFormat.magicLength)) == .native else { return nil }
            do {
                links.append(Link(link: link, patch: patch, header: try NativePatchHeader.read(from: patch)))
            } catch {
                throw FileError(path: link.patchPath, underlying: error)
            }
        }
        return links
    }

    /// Runs the pipeline; returns the last content's verified digests and the recompression's
    /// result, with the rebuilt file at `outputPath` (in the work directory).
    func run(outputPath: String) throws -> (content: DigestSet, recompressed: RecompressionResult) {
        let count = links.count
        let decompressing = baseFormat != .none
        let baseContent = decompressing ? GrowingFile(path: scratchPath("base")) : nil
        let contents = (0..<count).map { GrowingFile(path: scratchPath("content-\($0)")) }
        let baseWriter = try baseContent?.makeWriter()
        let writers = try contents.map { try $0.makeWriter() }
        // Every reader opens its file now, while it exists: a finished stage deletes its input.
        let baseReader: any RandomAccessSource =
            try baseContent.map { try GrowingFileReader($0, declaredSize: links[0].header.old.size) } ?? baseFile
        let linkBases: [any RandomAccessSource] =
            [baseReader]
            + (try (1..<max(1, count)).compactMap { index in
                index < count
                    ? try GrowingFileReader(contents[index - 1], declaredSize: links[index].header.old.size) : nil
            })

        // Every stage starts now: said in stage order, whatever thread gets going first.
        if decompressing { progress.report(.decompressingBase(basePath)) }
        for (index, link) in links.enumerated() {
            progress.report(.applying(index: index + 1, count: count, patch: link.link.patchPath))
        }
        progress.report(.recompressing(recipe.format))
        let files = (baseContent.map { [$0] } ?? []) + contents
        var stages = PipelineStages(files: files)
        let box = UnsafeSendable(self)
        let baseBox = UnsafeSendable((baseWriter, linkBases, writers))
        stages.add {
            try box.value.checkBase(writing: baseBox.value.0)
        }
        let lastContent = Mutex<DigestSet?>(nil)
        for index in 0..<count {
            // Intermediate contents (and the decompressed base) are not needed once applied.
            let scratchBase = index > 0 ? contents[index - 1].path : baseContent?.path
            stages.add {
                let (_, bases, writers) = baseBox.value
                let digests = try box.value.apply(index, base: bases[index], into: writers[index])
                if let scratchBase { FileSystem.removeFileIfPresent(scratchBase) }
                if index == count - 1 { lastContent.withLock { $0 = digests } }
            }
        }
        let recompressed = Mutex<RecompressionResult?>(nil)
        let last = contents[count - 1]
        let total = links[count - 1].header.new.size
        stages.add {
            let this = box.value
            let result = try Recompressor.recompress(
                openingInput: { try GrowingFileReader(last, declaredSize: total) }, inputPath: last.path,
                recipe: this.recipe, outputPath: outputPath, digesting: this.digesting, jobs: this.jobs,
                targetUse: .retryHint,
                progress: { done in
                    this.progress.report(.recompressed(done: done, total: total))
                    // Abandoning the files stops every stage at its next read or write.
                    if this.cancellation?.isCancelled == true { files.forEach { $0.abandon() } }
                })
            recompressed.withLock { $0 = result }
        }
        try stages.run()
        FileSystem.removeFileIfPresent(last.path)
        guard let content = lastContent.withLock({ $0 }), let result = recompressed.withLock({ $0 }) else {
            preconditionFailure("a rebuild stage returned without its result")
        }
        return (content, result)
    }

    /// The first stage: decompresses the base into its scratch file, checking its size and
    /// digest against the first patch's header as it streams (and only then saying it is
    /// complete); or, for an uncompressed base, checks the file itself while it is applied.
    private func checkBase(writing writer: GrowingFileWriter?) throws {
        let first = links[0]
        let expected = first.header.old
        guard let algorithm = PatchFileApplier.preferredAlgorithm(expected) else {
            throw FileError(path: first.link.patchPath, underlying: PatchFormatError.missingDigest("old"))
        }
        guard let writer else {
            try PatchFileApplier.verifySize(baseFile, against: expected, path: basePath)
            return try PatchFileApplier.verifyDigest(baseFile, against: expected, algorithm: algorithm, path: basePath)
        }
        let decoder = try baseFormat.makeDecoder()
        var digest = try MultiDigest([algorithm])
        let sink: ChunkSink = { chunk in
            guard digest.byteCount + UInt64(chunk.count) <= expected.size else {
                throw FileError(
                    path: basePath,
                    underlying: PatchFormatError.baseMismatch(
                        expected: "\(expected.size) bytes", actual: "more (decompressed)"))
            }
            digest.update(chunk)
            try writer.write(chunk)
        }
        do {
            try baseFile.forEachChunk { try decoder.process($0, into: sink) }
            try decoder.finish(into: sink)
        } catch let error as CompressionError {
            throw FileError(path: basePath, offset: decoder.compressedOffset, underlying: error)
        }
        let actual = digest.finalize()
        guard actual.size == expected.size, actual[algorithm] == expected[algorithm] else {
            throw FileError(
                path: basePath,
                underlying: PatchFormatError.baseMismatch(
                    expected: expected[algorithm]?.description ?? "?", actual: actual[algorithm]?.description ?? "?"))
        }
        try writer.finish()
    }

    /// A link's stage: applies its patch to `base` as the base arrives, hashing the new
    /// content as it streams, and checks it against the patch's header, the list, and the
    /// next patch's base before saying the content is complete.
    /// - Returns: the new content's size and digests.
    private func apply(_ index: Int, base: any RandomAccessSource, into writer: GrowingFileWriter) throws -> DigestSet {
        let link = links[index]
        let path = link.link.patchPath
        guard let algorithm = PatchFileApplier.preferredAlgorithm(link.header.new) else {
            throw FileError(path: path, underlying: PatchFormatError.missingDigest("new"))
        }
        let next = index + 1 < links.count ? links[index + 1] : nil
        let nextAlgorithm = next.flatMap { PatchFileApplier.preferredAlgorithm($0.header.old) }
        if let next, nextAlgorithm == nil {
            throw FileError(path: next.link.patchPath, underlying: PatchFormatError.missingDigest("old"))
        }
        let algorithms =
            [algorithm] + (link.link.expectedContent.map { Array($0.digests.keys) } ?? [])
            + (nextAlgorithm.map { [$0] } ?? [])
        let digest = try BackgroundDigest(algorithms)
        do {
            try NativePatchApplier.apply(
                base: base, patch: link.patch,
                into: { chunk in
                    digest.update(chunk)
                    try writer.write(chunk)
                })
        } catch let error as PatchFormatError {
            _ = digest.finalize()
            throw FileError(path: path, underlying: error)
        } catch {
            _ = digest.finalize()
            throw error
        }
        let result = digest.finalize()
        guard result.size == link.header.new.size, result[algorithm] == link.header.new[algorithm] else {
            throw FileError(
                path: path,
                underlying: PatchFormatError.resultMismatch(
                    expected: link.header.new[algorithm]?.description ?? "?",
                    actual: result[algorithm]?.description ?? "?"))
        }
        if let expected = link.link.expectedContent, !expected.matches(result) {
            throw FileError(path: path, underlying: RebuildError.contentMismatch(expected: expected, actual: result))
        }
        if let next, let nextAlgorithm {
            let old = next.header.old
            guard result.size == old.size, result[nextAlgorithm] == old[nextAlgorithm] else {
                throw FileError(
                    path: next.link.patchPath,
                    underlying: PatchFormatError.baseMismatch(
                        expected: old[nextAlgorithm]?.description ?? "\(old.size) bytes",
                        actual: result[nextAlgorithm]?.description ?? "\(result.size) bytes"))
            }
        }
        try writer.finish()
        return result
    }
}

/// A progress callback that stages on several threads may call: one call at a time.
///
/// `@unchecked Sendable` is safe: `body` is only called with `lock` held.
final class SerializedProgress: @unchecked Sendable {
    private let body: ((RebuildStage) -> Void)?
    private let lock = Mutex(())

    init(_ body: ((RebuildStage) -> Void)?) { self.body = body }

    /// Reports `stage`, after any report under way on another thread.
    func report(_ stage: RebuildStage) {
        guard let body else { return }
        lock.withLock { _ in body(stage) }
    }
}
