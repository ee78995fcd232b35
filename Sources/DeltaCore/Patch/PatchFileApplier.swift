/// What applying a patch file produced.
public struct PatchApplication: Sendable {
    /// The patch's format.
    public var format: PatchFormat
    /// How the patch file was wrapped (``CompressionFormat/none`` when it was not).
    public var wrapping: CompressionFormat
    /// Size and the verified digest of the new file.
    public var result: DigestSet
    /// The native header's metadata (empty for foreign formats).
    public var metadata: PatchMetadata
}

/// Applies a patch file to a base file and writes the result atomically, verifying the
/// base's size before, its digest alongside (on a second thread) and the result's digest
/// after; the result is renamed into place only when all three hold.
///
/// The patch may be wrapped whole in gzip, bzip2 or xz (GLEP 25 ships `.patch.bz2` files);
/// it is unwrapped into a temporary file beside the output first, so that its streams can
/// still be read by offset. The base may be the compressed tarball when its uncompressed
/// content is what the patch was made from: it is then decompressed beside the output.
public enum PatchFileApplier {
    /// The result's digest queue (``BackgroundDigest``): slots of this size, this many, enough
    /// to keep its thread busy while holding 256 KiB (the applier's whole budget is 16 MiB).
    static let digestSlotSize = 1 << 16, digestSlotCount = 4
    /// The chunk the base is hashed in, alongside the application.
    static let baseDigestChunkSize = 1 << 17

    /// The most a wrapped patch may expand to.
    public static let maximumUnwrappedSize: UInt64 = 16 << 30

    /// Applies `patchPath` to `basePath`, writing `outputPath` only if everything verifies.
    /// - Parameter alsoDigesting: more algorithms to compute over the new file in the same pass
    ///   (a patch list's digests of the target, say), reported in ``PatchApplication/result``.
    /// - Returns: what was applied and the new file's size and digests.
    /// - Throws: ``FileError`` naming the file at fault, around a ``PatchFormatError`` (wrong
    ///   base, malformed patch, result mismatch), an ``FileSystemError`` or a ``CompressionError``.
    @discardableResult
    public static func apply(
        basePath: String, patchPath: String, outputPath: String,
        alsoDigesting: [DigestAlgorithm] = []
    ) throws -> PatchApplication {
        let patchFile = try ReadableFile(path: patchPath)
        let wrapping = CompressionFormat.detect(try patchFile.prefix(CompressionFormat.magicLength))
        var unwrapped: AtomicFileWriter?
        let patch: ReadableFile
        if wrapping == .none {
            patch = patchFile
        } else {
            let temporary = try AtomicFileWriter(path: outputPath + ".patch")
            try decompress(
                patchFile, format: wrapping, into: temporary, limit: maximumUnwrappedSize, path: patchPath,
                tooLarge: PatchFormatError.unwrappedTooLarge(limit: maximumUnwrappedSize))
            unwrapped = temporary
            patch = try ReadableFile(path: temporary.temporaryPath)
        }
        defer { withExtendedLifetime(unwrapped) {} }

        let prefix = try patch.prefix(PatchFormat.magicLength)
        guard let format = PatchFormat.detect(prefix) else {
            let hex = prefix.map { String($0, radix: 16) }.joined(separator: " ")
            throw FileError(path: patchPath, offset: 0, underlying: PatchFormatError.unknownFormat(prefix: hex))
        }
        switch format {
        case .native:
            return try applyNative(
                basePath: basePath, patch: patch, patchPath: patchPath, outputPath: outputPath, wrapping: wrapping,
                alsoDigesting: alsoDigesting)
        case .bsdiff40, .vcdiff:
            return try applyForeign(
                format == .bsdiff40 ? .bsdiff40 : .vcdiff, basePath: basePath, patch: patch,
                patchPath: patchPath, outputPath: outputPath, wrapping: wrapping, alsoDigesting: alsoDigesting)
        }
    }

    private static func applyNative(
        basePath: String, patch: ReadableFile, patchPath: String, outputPath: String,
        wrapping: CompressionFormat, alsoDigesting: [DigestAlgorithm]
    ) throws -> PatchApplication {
        let header: NativePatchHeader
        do {
            header = try NativePatchHeader.read(from: patch)
        } catch {
            throw error.inFile(patchPath)
        }
        guard let oldAlgorithm = preferredAlgorithm(header.old) else {
            throw FileError(path: patchPath, underlying: PatchFormatError.missingDigest("old"))
        }
        guard let newAlgorithm = preferredAlgorithm(header.new) else {
            throw FileError(path: patchPath, underlying: PatchFormatError.missingDigest("new"))
        }

        // The base: as it is, or its decompressed content when that is what the patch wants.
        var baseFile = try ReadableFile(path: basePath)
        var decompressedBase: AtomicFileWriter?
        defer { withExtendedLifetime(decompressedBase) {} }
        let baseFormat = CompressionFormat.detect(try baseFile.prefix(CompressionFormat.magicLength))
        if try baseFile.size() != header.old.size && baseFormat != .none {
            let temporary = try AtomicFileWriter(path: outputPath + ".base")
            try decompress(
                baseFile, format: baseFormat, into: temporary, limit: header.old.size, path: basePath,
                tooLarge: PatchFormatError.baseMismatch(
                    expected: "\(header.old.size) bytes", actual: "more (decompressed)"))
            decompressedBase = temporary
            baseFile = try ReadableFile(path: temporary.temporaryPath)
        }
        // The size is checked first (a wrong base usually differs in size); the digest is
        // checked alongside the application, before anything is renamed into place.
        try verifySize(baseFile, against: header.old, path: basePath)
        let baseCheck = BaseDigestCheck(baseFile, against: header.old, algorithm: oldAlgorithm, path: basePath)
        defer { try? baseCheck.result() }

        let output = try AtomicFileWriter(path: outputPath)
        let digest = try BackgroundDigest(
            [newAlgorithm] + alsoDigesting, slotSize: digestSlotSize, slotCount: digestSlotCount)
        do {
            try NativePatchApplier.apply(
                base: baseFile, patch: patch,
                into: { chunk in
                    digest.update(chunk)
                    try output.write(chunk)
                })
        } catch {
            _ = digest.finalize()
            // A wrong base explains a failure better than the failure itself does.
            try baseCheck.result()
            if let error = error as? PatchFormatError { throw FileError(path: patchPath, underlying: error) }
            throw error
        }
        let result = digest.finalize()
        try baseCheck.result()
        guard result.size == header.new.size, result[newAlgorithm] == header.new[newAlgorithm] else {
            throw FileError(
                path: patchPath,
                underlying: PatchFormatError.resultMismatch(
                    expected: header.new[newAlgorithm]?.description ?? "?",
                    actual: result[newAlgorithm]?.description ?? "?"))
        }
        try output.commit()
        return PatchApplication(format: .native, wrapping: wrapping, result: result, metadata: header.metadata)
    }

    /// BSDIFF40 and VCDIFF carry no digest of either file: the result is only as good as the
    /// base, so its SHA-256 is reported for the caller to check.
    private static func applyForeign(
        _ format: ForeignPatchFormat, basePath: String, patch: ReadableFile, patchPath: String,
        outputPath: String, wrapping: CompressionFormat,
        alsoDigesting: [DigestAlgorithm]
    ) throws -> PatchApplication {
        let base = try ReadableFile(path: basePath)
        let output = try AtomicFileWriter(path: outputPath)
        var digest = try MultiDigest([.sha256] + alsoDigesting)
        do {
            try ForeignPatchApplier.apply(
                format, base: base, patch: patch,
                into: { chunk in
                    digest.update(chunk)
                    try output.write(chunk)
                })
        } catch let error as any DeltaCoreError where !(error is FileSystemError) {
            throw FileError(path: patchPath, underlying: error)
        }
        try output.commit()
        return PatchApplication(
            format: format == .bsdiff40 ? .bsdiff40 : .vcdiff, wrapping: wrapping,
            result: digest.finalize(), metadata: PatchMetadata())
    }

    /// The digest to verify with: SHA-256 first (fastest with CPU support), then the others strongest first; never MD5 alone.
    static func preferredAlgorithm(_ set: DigestSet) -> DigestAlgorithm? {
        [DigestAlgorithm.sha256, .blake2b, .sha512].first { set[$0] != nil }
    }

    /// Throws unless `file` (at `path`) has the expected size.
    static func verifySize(_ file: ReadableFile, against expected: DigestSet, path: String) throws {
        let size = try file.size()
        guard size == expected.size else {
            throw FileError(
                path: path,
                underlying: PatchFormatError.baseMismatch(expected: "\(expected.size) bytes", actual: "\(size) bytes"))
        }
    }

    /// Throws unless `file` (at `path`) has the expected `algorithm` digest. It reads the file
    /// from its current position, which must be its start; offset reads (`pread`) by other
    /// threads meanwhile do not move it.
    static func verifyDigest(
        _ file: ReadableFile, against expected: DigestSet, algorithm: DigestAlgorithm, path: String
    ) throws {
        var digest = try MultiDigest([algorithm])
        try file.forEachChunk(size: baseDigestChunkSize) { digest.update($0) }
        let actual = digest.finalize()
        guard actual.size == expected.size, actual[algorithm] == expected[algorithm] else {
            throw FileError(
                path: path,
                underlying: PatchFormatError.baseMismatch(
                    expected: expected[algorithm]?.description ?? "?", actual: actual[algorithm]?.description ?? "?"))
        }
    }

    static func decompress(
        _ file: ReadableFile, format: CompressionFormat, into writer: AtomicFileWriter, limit: UInt64, path: String,
        tooLarge: PatchFormatError
    ) throws {
        let decoder = try format.makeDecoder()
        let sink: ChunkSink = { chunk in
            guard writer.bytesWritten + UInt64(chunk.count) <= limit else {
                throw FileError(path: path, underlying: tooLarge)
            }
            try writer.write(chunk)
        }
        do {
            try file.forEachChunk { try decoder.process($0, into: sink) }
            try decoder.finish(into: sink)
        } catch let error as CompressionError {
            throw FileError(path: path, offset: decoder.compressedOffset, underlying: error)
        }
    }
}
