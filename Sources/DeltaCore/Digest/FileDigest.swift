extension MultiDigest {
    /// The size and digests of a file's bytes as they are (never decompressed), in one pass.
    /// - Throws: ``FileSystemError`` when it cannot be read, ``DigestError``.
    public static func digests(ofFile path: String, algorithms: some Sequence<DigestAlgorithm>) throws -> DigestSet {
        let file = try ReadableFile(path: path)
        var digest = try MultiDigest(algorithms)
        try file.forEachChunk { digest.update($0) }
        return digest.finalize()
    }
}
