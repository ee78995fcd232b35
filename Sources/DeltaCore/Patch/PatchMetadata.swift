/// Optional facts about a patch's target beyond its uncompressed bytes, stored in header
/// sections: how to recompress it (filled in by `mkpatch create`) and what the compressed
/// file should then be.
public struct PatchMetadata: Sendable, Equatable {
    /// The new file's recompression recipe, opaque to the patch format.
    public var recipe: [UInt8]?
    /// Size and digests of the new file once recompressed with ``recipe``.
    public var targetCompressed: DigestSet?

    /// Creates metadata; both parts are optional.
    public init(recipe: [UInt8]? = nil, targetCompressed: DigestSet? = nil) {
        self.recipe = recipe
        self.targetCompressed = targetCompressed
    }
}
