/// Applies native patches as a stream: the base is read by offset (never loaded whole), the
/// new file leaves in order through a sink, and memory stays within fixed buffers plus the
/// LZMA2 windows the header declares (bounded by ``NativePatchHeader/maximumTotalDictionary``).
///
/// Every command is checked against the base's size, the new file's size and what its streams
/// hold before any byte moves. Digests are the caller's business (see ``PatchFileApplier``),
/// since the caller knows how to read the base and where the output goes.
public enum NativePatchApplier {
    /// The size of the chunks passed to the sink. Small enough to keep the applier's resident
    /// memory low (its buffers, the LZMA2 windows and the digests' slots stay within a few
    /// MiB), large enough that the sink's per-call costs do not show.
    public static let outputChunkSize = 1 << 18

    /// Applies `patch` to `base`, passing the new file's bytes to `sink` in order.
    /// - Returns: the patch's header (expected sizes and digests, metadata).
    /// - Throws: ``PatchFormatError`` for a malformed or hostile patch or a base of the wrong
    ///   size; errors from the sources or the sink as they come.
    @discardableResult
    public static func apply(base: RandomAccessSource, patch: RandomAccessSource, into sink: ChunkSink) throws
        -> NativePatchHeader
    {
        let header = try NativePatchHeader.read(from: patch)
        let baseSize = try base.size()
        guard baseSize == header.old.size else {
            throw PatchFormatError.baseMismatch(expected: "\(header.old.size) bytes", actual: "\(baseSize) bytes")
        }
        var offset = header.dataOffset
        var readers = [PatchStreamReader]()
        // The literals' preset dictionary, read from the base; the decoders copy it.
        var context = try literalContext(header, base: base, patch: patch)
        let solidStreams = header.requiredFeatures & NativePatchHeader.solidStreamsFeature != 0
        if solidStreams {
            // Each stream reads the one solid stream from its start, dropping what precedes it.
            let solid = header.streams[0]
            var skip: UInt64 = 0
            for (index, stream) in header.streams.enumerated() {
                let part = NativePatchStream(
                    kind: stream.kind, codec: solid.codec, dictionarySize: solid.dictionarySize,
                    rawLength: stream.rawLength, codedLength: solid.codedLength)
                readers.append(
                    try context.withUnsafeBytes {
                        try PatchStreamReader(
                            part, at: offset, in: patch, skipping: skip,
                            endsCodedData: index == header.streams.count - 1, presetDictionary: $0)
                    })
                skip += stream.rawLength
            }
        } else {
            for stream in header.streams {
                readers.append(
                    try context.withUnsafeBytes {
                        try PatchStreamReader(
                            stream, at: offset, in: patch, presetDictionary: stream.kind == .literals ? $0 : nil)
                    })
                offset += stream.codedLength
            }
        }
        context = []  // copied into the decoders
        let commands = readers[stream: .commands], literals = readers[stream: .literals]
        let headerResiduals = MetadataResidualReader(
            readers[stream: .headerResiduals],
            runCoded: header.requiredFeatures & NativePatchHeader.metadataResidualRunsFeature != 0)
        let residuals = ResidualApplier(readers[stream: .residuals])

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: outputChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var filled = 0
        var layout = TarBlockTracker()
        let fixChecksums = header.requiredFeatures & NativePatchHeader.tarChecksumsFeature != 0
        let rename = header.tarRename
        /// Passes the buffer on, except an unfinished header block, kept so it can be rewritten
        /// (renamed, its checksum fixed) once complete.
        func flush(final: Bool = false) throws {
            var keep = 0
            if !final, fixChecksums || rename != nil, let start = layout.region.headerStart, start < layout.position {
                keep = Int(layout.position - start)
            }
            if filled - keep > 0 { try sink(UnsafeRawBufferPointer(rebasing: buffer[..<(filled - keep)])) }
            if keep > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + (filled - keep), byteCount: keep) }
            filled = keep
        }
        var written: UInt64 = 0
        /// Feeds the `count` bytes after the fill mark (at output offset `written`) to the layout
        /// tracker, fixing any header checksum they complete.
        func track(_ count: Int) {
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[filled..<filled + count])
            guard fixChecksums || rename != nil else { return layout.consume(chunk) }
            let bufferOrigin = filled &- Int(truncatingIfNeeded: written)
            layout.consume(chunk) { block, start in
                guard TarBlockTracker.isUstar(block) else { return }
                let blockInBuffer = bufferOrigin &+ Int(truncatingIfNeeded: start)
                if let rename, rename.apply(to: &block) {
                    for index in TarPathRename.nameField { bytes[blockInBuffer + index] = block[index] }
                }
                guard fixChecksums else { return }
                let checksum = TarBlockTracker.canonicalChecksum(of: block)
                for (index, byte) in checksum.enumerated() {
                    bytes[blockInBuffer + TarBlockTracker.checksumField.lowerBound + index] = byte
                    block[TarBlockTracker.checksumField.lowerBound + index] = byte
                }
            }
        }

        let newSize = header.new.size
        var oldPosition: UInt64 = 0
        var isFirstCommand = true
        while written < newSize {
            let copyLength = try commands.readVarint()
            let literalLength = try commands.readVarint()
            let move = try commands.readVarint().zigzagDecoded
            // Only the first command may make no progress (it positions the old cursor), so a
            // hostile stream of empty commands cannot spin.
            guard isFirstCommand || copyLength > 0 || literalLength > 0 else {
                throw PatchFormatError.invalidField("empty command", offset: written)
            }
            isFirstCommand = false
            guard copyLength <= newSize - written else {
                throw PatchFormatError.outOfBounds("copy past the new file's end", newOffset: written)
            }
            guard copyLength <= baseSize - oldPosition else {
                throw PatchFormatError.outOfBounds("copy past the base's end", newOffset: written)
            }
            var remaining = copyLength
            while remaining > 0 {
                let region = layout.region
                let step = Int(min(remaining, UInt64(outputChunkSize - filled), region.end - written))
                let target = UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + step])
                try base.read(into: target, at: oldPosition)
                if region.isMetadata {
                    try headerResiduals.replace(in: bytes + filled, count: step)
                } else {
                    try residuals.apply(to: bytes + filled, count: step)
                }
                track(step)
                filled += step
                oldPosition += UInt64(step)
                written += UInt64(step)
                remaining -= UInt64(step)
                if filled == outputChunkSize { try flush() }
            }
            guard literalLength <= newSize - written else {
                throw PatchFormatError.outOfBounds("literal past the new file's end", newOffset: written)
            }
            remaining = literalLength
            while remaining > 0 {
                let chunk = try literals.take(upTo: Int(min(remaining, UInt64(outputChunkSize - filled))))
                (bytes + filled).update(
                    from: chunk.baseAddress!.assumingMemoryBound(to: UInt8.self), count: chunk.count)
                track(chunk.count)
                filled += chunk.count
                written += UInt64(chunk.count)
                remaining -= UInt64(chunk.count)
                if filled == outputChunkSize { try flush() }
            }
            let target = Int64(bitPattern: oldPosition).addingReportingOverflow(move)
            guard !target.overflow, target.partialValue >= 0, UInt64(target.partialValue) <= baseSize else {
                throw PatchFormatError.outOfBounds("old cursor moved outside the base", newOffset: written)
            }
            oldPosition = UInt64(target.partialValue)
        }
        try flush(final: true)
        try commands.finish()
        try residuals.finish()
        try headerResiduals.finish()
        try literals.finish()
        return header
    }

    /// The base's bytes that the header's literal context selects (empty without the
    /// feature); the header bounds them by the primed stream's window. A derived context takes
    /// a first pass over the commands stream, with the checks the application makes again.
    static func literalContext(_ header: NativePatchHeader, base: RandomAccessSource, patch: RandomAccessSource) throws
        -> [UInt8]
    {
        let ranges: [Range<UInt64>]
        switch header.literalContext {
        case nil:
            return []
        case .wholeFile?:
            ranges = [0..<header.old.size]
        case let .derived(before, after, limit)?:
            var derivation = LiteralContext.Derivation(
                before: before, after: after, limit: limit, oldSize: header.old.size)
            let commands = try PatchStreamReader(header.streams[0], at: header.dataOffset, in: patch)
            let newSize = header.new.size
            var written: UInt64 = 0
            while written < newSize {
                let copy = try commands.readVarint(), literal = try commands.readVarint(),
                    move = try commands.readVarint()
                guard copy <= newSize - written, literal <= newSize - written - copy else {
                    throw PatchFormatError.outOfBounds("command past the new file's end", newOffset: written)
                }
                guard written == 0 || copy + literal > 0 else {
                    throw PatchFormatError.invalidField("empty command", offset: written)
                }
                guard derivation.add(copy: copy, literal: literal, move: move.zigzagDecoded) else {
                    throw PatchFormatError.outOfBounds("old cursor moved outside the base", newOffset: written)
                }
                written += copy + literal
            }
            ranges = derivation.ranges
        }
        var context = [UInt8](repeating: 0, count: Int(ranges.reduce(0) { $0 + $1.count }))
        var filled = 0
        try context.withUnsafeMutableBytes { bytes in
            for range in ranges {
                try base.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: bytes[filled..<filled + Int(range.count)]),
                    at: range.lowerBound)
                filled += Int(range.count)
            }
        }
        return context
    }
}
