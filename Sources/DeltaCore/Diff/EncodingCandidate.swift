/// One way of encoding a patch's streams: the raw streams, the context that primes the
/// literals (if any) and each stream's LZMA2 result, compressed stream by stream so that the
/// differ can spread the candidates' streams over its threads, then assembled into a body.
///
/// `@unchecked Sendable`: everything but the results is immutable, and each stream's
/// ``ResultBox`` is set by the one thread that compresses it and read after the join.
final class EncodingCandidate: @unchecked Sendable {
    let raw: [[UInt8]]
    let context: LiteralContext?
    /// The old file's bytes the context selects (empty without one).
    let dictionary: [UInt8]
    let windows: [UInt32]
    let fixesTarChecksums: Bool
    let runCodesMetadata: Bool
    private let compressed = NativePatchStream.Kind.allCases.map { _ in ResultBox<[UInt8]>() }

    /// A candidate for `streams`; nil when a context is asked for but selects nothing, or
    /// more than the literals' largest window.
    init?(_ streams: PatchStreams, context: LiteralContext?, old: UnsafePointer<UInt8>, oldCount: Int, newCount: Int) {
        dictionary =
            context?.bytes(old: old, oldCount: oldCount, commands: streams.commands.bytes, newCount: newCount) ?? []
        raw = [streams.commands.bytes, streams.residuals.bytes, streams.headerResiduals, streams.literals]
        let raw = raw, caps = NativeDiffer.streamWindowCaps
        let literalWindow = LZMA2Settings.dictionarySize(
            for: dictionary.count + raw[stream: .literals].count,
            cap: caps[stream: .literals])
        guard context == nil || !dictionary.isEmpty, dictionary.count <= literalWindow else { return nil }
        windows = NativePatchStream.Kind.allCases.map { kind in
            kind == .literals
                ? literalWindow : LZMA2Settings.dictionarySize(for: raw[stream: kind].count, cap: caps[stream: kind])
        }
        // A derived context's limit is what it came to: the same ranges, and within the window.
        if case let .derived(before, after, _)? = context {
            self.context = .derived(before: before, after: after, limit: UInt64(dictionary.count))
        } else {
            self.context = context
        }
        fixesTarChecksums = streams.fixesTarChecksums
        runCodesMetadata = streams.runCodesMetadata
    }

    /// Compresses stream `kind` (the literals primed by the dictionary) with each of its
    /// models (``DiffTuning/models``), keeping the smallest.
    func compress(_ kind: NativePatchStream.Kind, tuning: DiffTuning, options: DiffOptions) {
        compressed[stream: kind].set {
            var best: [UInt8]?
            for (lc, lp, pb) in tuning.models[stream: kind] {
                let packed = try raw[stream: kind].withUnsafeBytes { bytes in
                    try dictionary.withUnsafeBytes { preset in
                        try LZMA2RawEncoder.compress(
                            bytes,
                            settings: LZMA2Settings(
                                dictionarySize: windows[stream: kind], literalContextBits: lc, literalPositionBits: lp,
                                positionBits: pb,
                                extreme: options.extreme), presetDictionary: kind == .literals ? preset : nil)
                    }
                }
                if best.map({ packed.count < $0.count }) ?? true { best = packed }
            }
            guard let best else { preconditionFailure("every stream has at least one model") }
            return best
        }
    }

    /// The header and body, once every stream is compressed: solid when that is smaller,
    /// else each stream LZMA2 or stored, whichever is smaller. Nil when the primed literals
    /// would be stored (the context would prime nothing).
    func assemble(header: NativePatchHeader, options: DiffOptions) throws -> (NativePatchHeader, [UInt8])? {
        var header = header
        if fixesTarChecksums { header.requiredFeatures |= NativePatchHeader.tarChecksumsFeature }
        if runCodesMetadata { header.requiredFeatures |= NativePatchHeader.metadataResidualRunsFeature }
        if let context {
            header.requiredFeatures |= NativePatchHeader.literalContextFeature
            header.literalContext = context
        }
        let separateSize = try NativePatchStream.Kind.allCases.reduce(0) {
            $0 + min(try compressed[stream: $1].get().count, raw[stream: $1].count)
        }
        // A solid stream holds the commands that derive a context, so it can only take a whole file.
        if context.map({ $0 == .wholeFile }) ?? true,
            let solid = try NativeDiffer.solidEncoding(
                raw, separateSize: separateSize, dictionary: dictionary, header: header,
                options: options)
        {
            return solid
        }
        var body = [UInt8]()
        for kind in NativePatchStream.Kind.allCases {
            let packed = try compressed[stream: kind].get(), plain = raw[stream: kind]
            if packed.count < plain.count {
                header.streams.append(
                    NativePatchStream(
                        kind: kind, codec: .lzma2, dictionarySize: windows[stream: kind],
                        rawLength: UInt64(plain.count), codedLength: UInt64(packed.count)))
                body += packed
            } else {
                if kind == .literals && context != nil { return nil }
                header.streams.append(
                    NativePatchStream(
                        kind: kind, codec: .stored, dictionarySize: 0,
                        rawLength: UInt64(plain.count), codedLength: UInt64(plain.count)))
                body += plain
            }
        }
        return (header, body)
    }
}
