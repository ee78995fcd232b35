/// The outcome of looking for a file's recipe.
public struct RecipeDetection: Sendable {
    /// The recipe, checked to rebuild the file exactly; nil when none was found.
    public var recipe: RecompressionRecipe?
    /// True only when ``recipe`` was checked to reproduce the file byte for byte.
    public var reproducible: Bool { recipe != nil }
    /// How many candidate settings were tried.
    public var candidatesTried: Int
    /// Why no recipe was found, or nil when one was.
    public var reason: String?

    /// A detection result.
    public init(recipe: RecompressionRecipe?, candidatesTried: Int, reason: String?) {
        self.recipe = recipe
        self.candidatesTried = candidatesTried
        self.reason = reason
    }
}

/// Finds the compressor settings that rebuild a compressed file byte for byte.
///
/// The file and its content are held in memory while candidates run. Candidates are ordered
/// by the hints the file carries (gzip's XFL and OS bytes, bzip2's block-size digit, the xz
/// dictionary size and block layout), and each stops at its first byte that differs from the
/// file, so wrong guesses are cheap; the one that matches is run to the end, which is the check.
public enum RecipeDetector {
    /// Files whose content is larger than this are not tried (``RecipeDetection/reason`` says so).
    public static let defaultContentLimit = 2 << 30

    /// Looks for the recipe of the file at `path`.
    /// - Parameters:
    ///   - path: a gzip, bzip2 or xz file.
    ///   - contentLimit: the largest uncompressed size to hold in memory.
    ///   - reconstruction: what a deflate stream that no exact candidate makes is
    ///     reconstructed for.
    ///   - provesReconstruction: whether a reconstruction is replayed before it is returned;
    ///     false only for a caller that proves the recipe's whole rebuild itself.
    /// - Returns: the recipe, or the reason there is none (also for an uncompressed file).
    /// - Throws: ``FileError`` around an ``FileSystemError`` or a ``CompressionError`` when the file
    ///   cannot be read or decompressed.
    public static func detect(
        path: String, contentLimit: Int = defaultContentLimit, reconstruction: ReconstructionGoal = .fastReplay,
        provesReconstruction: Bool = true
    ) throws -> RecipeDetection {
        let file = try ReadableFile(path: path)
        guard CompressionFormat.detect(try file.prefix(CompressionFormat.magicLength)) != .none else {
            return RecipeDetection(recipe: nil, candidatesTried: 0, reason: "not compressed")
        }
        let size = try file.size()
        guard size <= UInt64(contentLimit) else {
            return RecipeDetection(recipe: nil, candidatesTried: 0, reason: "file too large to search for a recipe")
        }
        var compressed = [UInt8]()
        compressed.reserveCapacity(Int(size))
        try file.forEachChunk { compressed.append(contentsOf: $0) }
        do {
            return try detect(
                compressed: compressed, contentLimit: contentLimit, reconstruction: reconstruction,
                provesReconstruction: provesReconstruction)
        } catch let error as CompressionError {
            throw FileError(path: path, underlying: error)
        }
    }

    /// Looks for the recipe of a compressed file held in memory.
    /// - Throws: ``CompressionError`` when the bytes do not decompress.
    public static func detect(
        compressed: [UInt8], contentLimit: Int = defaultContentLimit, reconstruction: ReconstructionGoal = .fastReplay,
        provesReconstruction: Bool = true
    ) throws -> RecipeDetection {
        let format = CompressionFormat.detect(compressed)
        guard format != .none else { return RecipeDetection(recipe: nil, candidatesTried: 0, reason: "not compressed") }
        // Gzip detection needs each member's end to give every member its own recipe.
        let decoder = format == .gzip ? try GzipDecoder(recordingMembers: true) : try format.makeDecoder()
        var content = [UInt8]()
        var tooLarge = false
        let collect: ChunkSink = { chunk in
            guard content.count + chunk.count <= contentLimit else {
                tooLarge = true
                throw CompressionError.memoryLimit(format, needed: UInt64(content.count + chunk.count))
            }
            content.append(contentsOf: chunk)
        }
        do {
            try compressed.withUnsafeBytes { try decoder.process($0, into: collect) }
            try decoder.finish(into: collect)
        } catch  where tooLarge {
            return RecipeDetection(recipe: nil, candidatesTried: 0, reason: "content too large to search for a recipe")
        }
        var detection = try compressed.withUnsafeBytes { file in
            try content.withUnsafeBytes { content in
                switch format {
                case .gzip:
                    try GzipRecipeSearch(
                        file: file, content: content, decoder: decoder as! GzipDecoder, goal: reconstruction,
                        provesReconstruction: provesReconstruction
                    ).run()
                case .bzip2:
                    try Bzip2RecipeSearch(file: file, content: content, decoder: decoder as! Bzip2Decoder).run()
                case .xz: try XZRecipeSearch(file: file, content: content).run()
                case .none: RecipeDetection(recipe: nil, candidatesTried: 0, reason: "not compressed")
                }
            }
        }
        if detection.recipe != nil {
            detection.recipe!.target = RecipeTarget(
                size: UInt64(compressed.count),
                sha256: try DigestContext.digest(.sha256, of: compressed).hex)
            // Restart points cut one deflate stream made by zlib or GNU gzip; a reconstructed
            // stream or a file of listed members is rebuilt serially.
            if !detection.recipe!.usesDeflateReconstruction, detection.recipe!.extensionPayload(.memberLayout) == nil {
                detection.recipe = try RestartPointRecorder.addingRestartPoints(
                    to: detection.recipe!, content: content, file: compressed)
            }
        }
        return detection
    }
}
