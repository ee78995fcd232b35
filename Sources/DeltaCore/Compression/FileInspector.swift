/// The facts about a distfile that patch lists, Manifests and recipes need.
public struct FileInspection: Sendable {
    /// The compression format, detected from the magic bytes.
    public var format: CompressionFormat
    /// The size and digests of the file as it is on disk.
    public var compressed: DigestSet
    /// The size and digests of its uncompressed content (the same as ``compressed`` for ``CompressionFormat/none``).
    public var uncompressed: DigestSet
}

/// Reads a file once, hashing it and its decompressed content as it goes.
public enum FileInspector {
    /// Inspects the file at `path`.
    /// - Parameters:
    ///   - path: the file to read.
    ///   - algorithms: the digests to compute, of both the file and its content.
    /// - Returns: the format, and the size and digests of the file and of its content.
    /// - Throws: ``FileError`` naming the file, around an ``FileSystemError``, a ``CompressionError``
    ///   (with the byte offset where the stream went wrong) or a ``DigestError``.
    public static func inspect(path: String, algorithms: [DigestAlgorithm] = DigestAlgorithm.allCases) throws
        -> FileInspection
    {
        let file = try ReadableFile(path: path)
        let format = CompressionFormat.detect(try file.prefix(CompressionFormat.magicLength))
        var compressed = try MultiDigest(algorithms)
        guard format != .none else {
            try file.forEachChunk { compressed.update($0) }
            let digests = compressed.finalize()
            return FileInspection(format: format, compressed: digests, uncompressed: digests)
        }
        // The content is hashed on a second thread while this one reads and decompresses.
        let uncompressed = try BackgroundDigest(algorithms)
        defer { _ = uncompressed.finalize() }
        let decoder = try format.makeDecoder()
        let sink: ChunkSink = { uncompressed.update($0) }
        do {
            try file.forEachChunk { chunk in
                compressed.update(chunk)
                try decoder.process(chunk, into: sink)
            }
            try decoder.finish(into: sink)
        } catch let error as CompressionError {
            throw FileError(path: path, offset: decoder.compressedOffset, underlying: error)
        }
        return FileInspection(format: format, compressed: compressed.finalize(), uncompressed: uncompressed.finalize())
    }
}
