/// A raw deflate encoder that replays a ``DeflateReconstruction`` payload as the content
/// streams in (``DeflateReplay``): memory stays bounded (about 1.5 MiB beside the largest
/// dynamic block's tokens when its header is coded after them; fixed-code blocks, and dynamic
/// ones in a payload with headers first, are written token by token) whatever the content's
/// size; time is linear in the content.
public final class DeflateReconstructionEncoder: StreamEncoder {
    private let payload: [UInt8]
    private var replay: DeflateReplay?
    private var finished = false

    /// An encoder for the stream `payload` (a ``RecipeExtensionKind/deflateReconstruction``
    /// payload) describes.
    public init(payload: [UInt8]) {
        self.payload = payload
    }

    /// The replay, made when the first content comes so that a bad payload throws from a
    /// call that can throw.
    private func started() throws(RecipeError) -> DeflateReplay {
        if let replay { return replay }
        let made = try DeflateReplay(payload: payload)
        replay = made
        return made
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        try started().process(input, into: sink)
    }

    /// Writes the rest of the stream.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the payload does not fit the content.
    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        try started().finish(into: sink)
        replay = nil
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
    /// Whether the recipe rebuilds a deflate stream (its own, or a listed member's) by
    /// replaying reconstruction data.
    public var usesDeflateReconstruction: Bool { deflateReconstructionBytes != nil }

    /// Bytes of deflate reconstruction data the recipe carries, its listed members' included;
    /// nil when it has none.
    public var deflateReconstructionBytes: Int? {
        if let payload = extensionPayload(.deflateReconstruction) { return payload.count }
        if case let .listed(list)? = try? memberLayout() { return list.reconstructionBytes }
        return nil
    }

    /// About how many times the format's usual recompression time (zlib's, which plans
    /// assume) this recipe's rebuild takes: 1 for exact recipes and for deflate reconstruction
    /// in the hash-chain modes (their replay measured 0.4-1.3 × a zlib -9 compression); more
    /// for the optimal parse of mode 6 (``DeflateReconstruction/replayCostFactor(payload:)``).
    /// For listed members, the costliest member's.
    public var recompressionCostFactor: Double {
        if let payload = extensionPayload(.deflateReconstruction) {
            return DeflateReconstruction.replayCostFactor(payload: payload)
        }
        if case let .listed(list)? = try? memberLayout() {
            return list.members.map(\.recipe.recompressionCostFactor).max() ?? 1
        }
        return 1
    }

    /// Why a file has no recipe when its deflate reconstruction does not replay to its stream.
    static let unreplayedReason = "deflate reconstruction did not replay"

    /// A recipe that rebuilds a gzip member whose deflate stream no exact candidate
    /// reproduces: the reconstruction data for `deflate` over `content` chosen for `goal`,
    /// proven by replaying it when `proves` (a caller that proves the whole rebuild, as
    /// `mkpatch create` does, skips this replay). Nil (with the reason) when the stream cannot
    /// be reconstructed.
    static func reconstructing(
        header: GzipHeader, deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer,
        goal: ReconstructionGoal, proves: Bool = true
    ) -> (recipe: RecompressionRecipe?, reason: String?) {
        let payload: [UInt8]
        do {
            payload = try DeflateReconstruction.analyse(deflate: deflate, content: content, goal: goal)
            if proves {
                let replayed = try DeflateReconstruction.replay(payload: payload, content: content)
                guard replayed.elementsEqual(deflate) else { return (nil, Self.unreplayedReason) }
            }
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
            gzip: GzipRecipe(header: header, deflater: .zlib, level: level, memLevel: 8, strategy: .default))
        recipe.setExtension(.deflateReconstruction, payload: payload)
        return (recipe, nil)
    }
}
