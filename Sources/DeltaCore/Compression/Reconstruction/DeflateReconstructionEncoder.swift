/// A raw deflate encoder that replays a ``DeflateReconstruction`` payload: it gathers the
/// whole content, then writes the stream the payload describes. Memory: the content and the
/// stream; time linear in the content (the predictor's work per position is bounded).
public final class DeflateReconstructionEncoder: StreamEncoder {
    private let payload: [UInt8]
    private var content: [UInt8] = []
    private var finished = false

    /// An encoder for the stream `payload` (a ``RecipeExtensionKind/deflateReconstruction``
    /// payload) describes.
    public init(payload: [UInt8]) {
        self.payload = payload
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        content.append(contentsOf: input)
    }

    /// Replays the payload over the gathered content.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the payload does not fit it.
    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        let stream = try content.withUnsafeBytes { try DeflateReconstruction.replay(payload: payload, content: $0) }
        content = []
        try stream.withUnsafeBytes { stream in
            var start = 0
            while start < stream.count {
                let end = min(stream.count, start + Self.outputChunkSize)
                try sink(UnsafeRawBufferPointer(rebasing: stream[start..<end]))
                start = end
            }
        }
    }
}

extension CodecLibrary {
    /// Our deflate reconstruction (reference predictor plus corrections); the version changes
    /// whenever the replay of a payload could.
    public static var deflateReconstruction: CodecLibrary {
        CodecLibrary(name: "deltafetch-deflate-reconstruction", version: "1")
    }
}

extension RecompressionRecipe {
    /// Whether the recipe rebuilds its deflate stream by replaying reconstruction data.
    public var usesDeflateReconstruction: Bool { extensionPayload(.deflateReconstruction) != nil }

    /// A recipe that rebuilds a single-member gzip file whose deflate stream no exact
    /// candidate reproduces: the reconstruction data for `deflate` over `content`, proven by
    /// replaying it. Nil (with the reason) when the stream cannot be reconstructed.
    static func reconstructing(
        header: GzipHeader, deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer,
        trailingZeroBytes: UInt64
    ) -> (recipe: RecompressionRecipe?, reason: String?) {
        let payload: [UInt8]
        do {
            payload = try DeflateReconstruction.analyse(deflate: deflate, content: content)
            let replayed = try DeflateReconstruction.replay(payload: payload, content: content)
            guard replayed.elementsEqual(deflate) else { return (nil, "deflate reconstruction did not replay") }
        } catch {
            return (nil, "\(error)")
        }
        let level =
            switch header.extraFlags {
            case 2: 9
            case 4: 1
            default: 6
            }
        var recipe = RecompressionRecipe(
            format: .gzip, library: .deflateReconstruction,
            gzip: GzipRecipe(header: header, deflater: .zlib, level: level, memLevel: 8, strategy: .default),
            trailingZeroBytes: trailingZeroBytes)
        recipe.setExtension(.deflateReconstruction, payload: payload)
        return (recipe, nil)
    }
}
