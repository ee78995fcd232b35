/// Makes a native patch between two files and writes it atomically.
public enum FileDiffer {
    /// What a diff produced.
    public struct Summary: Sendable {
        /// Size and digests of the old file's (uncompressed) bytes the patch applies to.
        public var old: DigestSet
        /// Size and digests of the new file's (uncompressed) bytes the patch makes.
        public var new: DigestSet
        /// The patch's size in bytes.
        public var patchSize: UInt64
        /// How each input was stored (``CompressionFormat/none`` when diffed as it is).
        public var oldFormat: CompressionFormat
        public var newFormat: CompressionFormat
    }

    /// Diffs `oldPath` against `newPath` into `outputPath`.
    /// - Parameters:
    ///   - decompressInputs: when true (the default), a gzip, bzip2 or xz input is diffed by its
    ///     uncompressed content (detected by magic bytes), which is what patches are for; when
    ///     false, the files' bytes are diffed as they are.
    /// - Throws: ``FileError`` naming the input at fault, or the differ's errors.
    @discardableResult
    public static func diff(
        oldPath: String, newPath: String, outputPath: String, decompressInputs: Bool = true,
        metadata: PatchMetadata = PatchMetadata(), options: DiffOptions = DiffOptions()
    ) throws -> Summary {
        let (old, oldFormat) = try load(oldPath, decompress: decompressInputs)
        let (new, newFormat) = try load(newPath, decompress: decompressInputs)
        let patch = try NativeDiffer.makePatch(old: old, new: new, metadata: metadata, options: options)
        let writer = try AtomicFileWriter(path: outputPath)
        try writer.write(patch)
        try writer.commit()
        let header = try NativePatchHeader.read(from: InMemorySource(patch))
        return Summary(
            old: header.old, new: header.new, patchSize: UInt64(patch.count), oldFormat: oldFormat, newFormat: newFormat
        )
    }

    /// A whole file's bytes, decompressed when asked and compressed.
    static func load(_ path: String, decompress: Bool) throws -> ([UInt8], CompressionFormat) {
        let file = try ReadableFile(path: path)
        let format = decompress ? CompressionFormat.detect(try file.prefix(CompressionFormat.magicLength)) : .none
        let decoder = try format.makeDecoder()
        var bytes = [UInt8]()
        if format == .none { bytes.reserveCapacity(Int(try file.size())) }
        let sink: ChunkSink = { bytes.append(contentsOf: $0) }
        do {
            try file.forEachChunk(size: 4 << 20) { try decoder.process($0, into: sink) }
            try decoder.finish(into: sink)
        } catch let error as CompressionError {
            throw FileError(path: path, offset: decoder.compressedOffset, underlying: error)
        }
        return (bytes, format)
    }
}
