/// Patch formats of other tools that DeltaCore applies, told apart by their magic bytes.
public enum ForeignPatchFormat: String, Sendable, CaseIterable {
    /// bsdiff 4.x: `BSDIFF40`, three bzip2 blocks (``BSDiff40Applier``).
    case bsdiff40
    /// RFC 3284 VCDIFF as xdelta3 writes it: `D6 C3 C4 00` (``VCDiffApplier``).
    case vcdiff

    /// The format whose magic starts `prefix` (8 bytes suffice), or nil.
    public static func detect(_ prefix: some Collection<UInt8>) -> ForeignPatchFormat? {
        let head = Array(prefix.prefix(8))
        if head.starts(with: BSDiff40Header.magic) { return .bsdiff40 }
        if head.starts(with: [0xD6, 0xC3, 0xC4]) { return .vcdiff }
        return nil
    }
}

/// The one entry point for applying a foreign patch, for `mkpatch apply` to dispatch to.
public enum ForeignPatchApplier {
    /// Applies `patch`, in `format`, to `base`, passing the new file's bytes to `sink` in
    /// order. Memory stays bounded whatever the files' sizes (see each applier).
    /// - Parameter allowingExternalCompression: for VCDIFF patches xdelta3 made from
    ///   compressed files: see ``VCDiffApplier/apply(base:patch:limits:allowingExternalCompression:into:)``.
    /// - Returns: the number of bytes written.
    /// - Throws: ``BSDiff40Error`` or ``VCDiffError`` for a bad patch; the base's and the
    ///   sink's own errors as they are.
    @discardableResult
    public static func apply(
        _ format: ForeignPatchFormat, base: RandomAccessSource, patch: RandomAccessSource,
        allowingExternalCompression: Bool = false, into sink: ChunkSink
    ) throws -> UInt64 {
        switch format {
        case .bsdiff40:
            try BSDiff40Applier.apply(base: base, patch: patch, into: sink)
        case .vcdiff:
            try VCDiffApplier.apply(
                base: base, patch: patch, allowingExternalCompression: allowingExternalCompression, into: sink)
        }
    }
}
