/// Writes back the deflate stream a ``DeflateReconstruction`` payload describes, while the
/// content streams in: the replay behind ``DeflateReconstructionEncoder`` and
/// ``DeflateReconstruction/replay(payload:content:)``.
///
/// Memory is bounded whatever the content's size: beside a copy of the payload (which the range
/// decoder reads in place), a sliding buffer of ``bufferSize`` content bytes (the predictor
/// reads 32 KiB back and ``MatchPredictor/lookahead`` bytes ahead of a token (262 for a search,
/// ISA-L's level 3 maps 4 KiB at a time), a stored block up to 64 KiB ahead), the predictor's
/// tables (384 KiB; more in the ISA-L modes, about 1.2 MiB more in mode 6's optimal parse, which
/// reads ``OptimalParsePredictor/readAhead`` bytes ahead, and 9.4 MiB more with predicted
/// headers, which read ``OptimalParsePredictor/predictedHeaderReadAhead`` bytes from a block's
/// start, within ``blockLookahead``), a dynamic block's tokens when its header is coded
/// after them (5 bytes per token, at most ``maximumBlockTokens``, since its header is derived
/// from them and precedes them) and the output written since it was last passed on (about
/// 64 KiB, ``drainThreshold``). Fixed-code and stored blocks hold nothing: a fixed block's
/// codes do not depend on its tokens, so each token is written as it is decoded, and a block
/// may have any number; so do dynamic blocks in a payload with
/// ``DeflateReconstruction/Flags/headersFirst``, whose header is decoded and written first. Work is linear in the
/// content (per position at most `chain` links, per miss at most 4096).
///
/// A ``DeflateReconstruction/Flags/segmented`` payload replays segment after segment, each
/// with fresh models and predictor; a replay of one segment (``init(payload:segment:maximumHeldTokens:)``)
/// takes the content from the window before it to ``DeflateReconstruction/segmentReadAhead``
/// past it and writes the segment's bits only (after as many zero bits as the segment starts
/// past a byte boundary), for ``DeflateSegmentedReplay`` to join.
final class DeflateReplay {
    /// Content bytes held at most.
    static let bufferSize = 1 << 19
    /// Content bytes a block's first step may need from its start on: a whole stored block.
    static let blockLookahead = 0xffff
    /// Tokens one dynamic block may have when its header follows its tokens: the replay keeps
    /// them until its header is written. Fixed-code blocks, and dynamic ones with headers
    /// first, are written token by token and have no limit.
    static let maximumBlockTokens = 1 << 22
    /// Output is passed on once this much has gathered.
    static let drainThreshold = 1 << 16

    private let sizes: DeflateReconstruction.Sizes
    private let body: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var coder: RangeDecoder
    @exclusivity(unchecked) private var predictor: MatchPredictor
    @exclusivity(unchecked) private var tokenModel = TokenModel()
    @exclusivity(unchecked) private var blockModel = BlockModel()
    /// The header model when the payload codes headers first.
    private var headersFirst: HeadersFirstHeaderModel?
    /// With ``DeflateReconstruction/Flags/previousBlockPrices``: the code lengths the next
    /// dynamic block is parsed under (the previous dynamic header's, 286 + 30).
    private var previousLengths = SevenZipHeaderPredictor.initialLengths
    /// The dynamic block tokens this replay holds at most (``maximumBlockTokens`` but in tests).
    private let maximumHeldTokens: Int
    @exclusivity(unchecked) private var sink = DeflateBitSink(capacity: DeflateReplay.drainThreshold * 2)
    private let fixedLiteral = try! HuffmanCode(lengths: DeflateCodes.fixedLiteralLengths)
    private let fixedDistance = try! HuffmanCode(lengths: DeflateCodes.fixedDistanceLengths)

    /// The content buffer: content position `origin` is `buffer[0]`; `received` positions came in.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: DeflateReplay.bufferSize, alignment: 8)
    @exclusivity(unchecked) private var origin = 0
    @exclusivity(unchecked) private var received = 0

    @exclusivity(unchecked) private var position = 0
    /// The segments this replay writes (all of them but in a one-segment replay), and the
    /// one under way.
    private let replayed: Range<Int>
    @exclusivity(unchecked) private var segmentIndex: Int
    /// Content received at most: the content's end, or a segment's end plus its read-ahead.
    private let feedEnd: Int
    /// The stream bit where the sink's first bit goes (a segment's start in a one-segment replay).
    private let sinkOrigin: Int
    /// Whether the segment's predictor has been warmed (``MatchPredictor/warm(upTo:)``),
    /// which happens as its first block starts, when the content around it has come.
    private var warmed = true
    /// The blocks and tokens of the segment under way not yet started.
    private var blocksLeft: Int
    private var tokensLeft: Int
    /// The coded block under way: its kind and its tokens still to decode; for a dynamic
    /// block, the tokens decoded so far, their literal bytes and their frequencies, held
    /// until its header is written.
    private var block: DeflateBlockRecord.Kind?
    /// Whether the block under way has its tokens written as they are decoded (a fixed
    /// block, a dynamic one with headers first), with ``writeCodes``; false while a dynamic
    /// block is held.
    @exclusivity(unchecked) private var streaming = false
    /// The codes tokens are written with: the streamed block's, or a held block's once its
    /// header is known.
    private let writeCodes = DeflateWriteCodes()
    @exclusivity(unchecked) private var blockTokensLeft = 0
    @exclusivity(unchecked) private var heldTokens: [DeflateToken] = []
    @exclusivity(unchecked) private var heldLiterals: [UInt8] = []
    @exclusivity(unchecked) private var frequencies = BlockFrequencies()
    private var finished = false
    /// Where the coded block under way ends: mode 6 codes it (``OptimalParsePredictor``
    /// parses to it); `.max` in the other modes.
    @exclusivity(unchecked) private var blockEnd = Int.max

    /// The content size the payload was made for.
    var contentSize: Int { sizes.contentSize }

    /// A replay of `payload`, for content of `contentSize` bytes when known, holding at most
    /// `maximumHeldTokens` of a dynamic block whose header follows its tokens.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` for a payload whose sizes are out of
    ///   range, or made for content of another size.
    convenience init(
        payload: [UInt8], contentSize: Int? = nil, maximumHeldTokens: Int = DeflateReplay.maximumBlockTokens
    ) throws(RecipeError) {
        let sizes = try DeflateReconstruction.Sizes(payload, expectedContentSize: contentSize)
        self.init(
            sizes: sizes, payload: payload, replayed: sizes.segments.indices, maximumHeldTokens: maximumHeldTokens)
    }

    /// A replay of segment `segment` of `payload` (already read into `sizes`) alone: it takes
    /// the content from the segment's ``DeflateReconstruction/Segment/warmStart`` to
    /// ``DeflateReconstruction/segmentReadAhead`` past its end (or the content's end) and
    /// writes the segment's bits after `bitStart % 8` zero bits.
    convenience init(
        sizes: DeflateReconstruction.Sizes, payload: [UInt8], segment: Int,
        maximumHeldTokens: Int = DeflateReplay.maximumBlockTokens
    ) {
        self.init(sizes: sizes, payload: payload, replayed: segment..<segment + 1, maximumHeldTokens: maximumHeldTokens)
    }

    private init(
        sizes: DeflateReconstruction.Sizes, payload: [UInt8], replayed: Range<Int>, maximumHeldTokens: Int
    ) {
        self.sizes = sizes
        self.replayed = replayed
        self.maximumHeldTokens = maximumHeldTokens
        let first = sizes.segments[replayed.lowerBound]
        let last = sizes.segments[replayed.upperBound - 1]
        segmentIndex = replayed.lowerBound
        feedEnd =
            replayed == sizes.segments.indices
            ? sizes.contentSize : min(sizes.contentSize, last.contentEnd + DeflateReconstruction.segmentReadAhead)
        // The sink starts on the byte boundary before the segment, so that its bytes align as
        // the stream's do (stored blocks start on a byte); the bits before the segment are zeros.
        sinkOrigin = first.bitStart & ~7
        origin = first.warmStart
        received = first.warmStart
        position = first.contentStart
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: payload.count, alignment: 1)
        payload.withUnsafeBytes { copy.copyMemory(from: $0) }
        body = copy
        coder = RangeDecoder(UnsafeRawBufferPointer(body), offset: sizes.bodyOffset)
        predictor = MatchPredictor(contentSize: sizes.contentSize, settings: sizes.settings)
        blocksLeft = 0
        tokensLeft = 0
        sink.write(0, first.bitStart & 7)
        beginSegment(replayed.lowerBound)
    }

    /// Starts segment `index`: its body, fresh models and a fresh predictor (warmed as its
    /// first block starts in a segmented payload).
    private func beginSegment(_ index: Int) {
        let segment = sizes.segments[index]
        segmentIndex = index
        coder = RangeDecoder(
            UnsafeRawBufferPointer(rebasing: body[..<segment.body.upperBound]), offset: segment.body.lowerBound)
        tokenModel = TokenModel()
        blockModel = BlockModel(settings: sizes.settings)
        headersFirst = sizes.flags.contains(.headersFirst) ? HeadersFirstHeaderModel() : nil
        previousLengths = SevenZipHeaderPredictor.initialLengths
        predictor = MatchPredictor(contentSize: sizes.contentSize, settings: sizes.settings)
        predictor.rebase(UnsafeRawBufferPointer(buffer), origin: origin)
        warmed = !sizes.flags.contains(.segmented)
        blocksLeft = segment.blockCount
        tokensLeft = segment.tokenCount
    }

    /// The segment under way.
    private var segment: DeflateReconstruction.Segment { sizes.segments[segmentIndex] }

    /// The stream bit the next written bit takes.
    private var streamBit: Int { sinkOrigin + sink.bitPosition }

    deinit {
        body.deallocate()
        buffer.deallocate()
        writeCodes.deallocate()
    }

    /// A refusal at where the range decoder had read to (the payload's end when it ran past it).
    private func malformed(_ detail: String) -> RecipeError {
        .malformed(offset: min(coder.offset, body.count), detail: detail)
    }

    /// Takes more content, writing what the replay can of the stream into `output`.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the payload does not fit the
    ///   content (or the content outgrows the size the payload gives); what `output` throws.
    func process(_ input: UnsafeRawBufferPointer, into output: ChunkSink) throws {
        var offset = 0
        while offset < input.count {
            guard input.count - offset <= feedEnd - received else {
                throw RecipeError.malformed(
                    offset: sizes.contentSizeOffset,
                    detail:
                        "the content is longer than the \(sizes.contentSize) bytes deflate reconstruction was made for")
            }
            if received - origin == Self.bufferSize {
                try advance(into: output)
                slide()
            }
            let count = min(Self.bufferSize - (received - origin), input.count - offset)
            (buffer.baseAddress! + (received - origin)).copyMemory(from: input.baseAddress! + offset, byteCount: count)
            received += count
            offset += count
        }
        try advance(into: output)
    }

    /// Writes the rest of the stream into `output` once the whole content has come.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the content is shorter than the
    ///   payload says or the payload does not describe a stream over it; what `output` throws.
    func finish(into output: ChunkSink) throws {
        guard !finished else { return }
        guard received == feedEnd else {
            throw RecipeError.malformed(
                offset: sizes.contentSizeOffset,
                detail: "the content ended at \(received) bytes, not the \(feedEnd) it was made for")
        }
        try advance(into: output)
        finished = true
        guard segmentIndex == replayed.upperBound - 1, block == nil, blocksLeft == 0,
            position == segment.contentEnd, tokensLeft == 0
        else {
            throw malformed("the blocks do not cover the content")
        }
        if segmentIndex == sizes.segments.count - 1 {
            let padding = (8 - streamBit & 7) & 7
            sink.write(blockModel.decodePadding(count: padding, &coder), padding)
            guard streamBit == sizes.streamSize * 8 else {
                throw malformed("the stream is \((streamBit + 7) / 8) bytes, not \(sizes.streamSize)")
            }
        } else {
            try checkSegmentEnd()
        }
        sink.finish()
        try sink.drain(into: output)
    }

    /// Checks that a segment before the last ended where the table says.
    private func checkSegmentEnd() throws(RecipeError) {
        guard position == segment.contentEnd, tokensLeft == 0 else {
            throw malformed("segment \(segmentIndex) does not cover its content")
        }
        guard streamBit == segment.bitEnd else {
            throw malformed("segment \(segmentIndex) is \(streamBit - segment.bitStart) bits, not \(segment.bitCount)")
        }
    }

    /// Drops content the predictor can no longer reach, keeping ``MatchPredictor/history``
    /// bytes before the position.
    private func slide() {
        // A segment's predictor not yet warmed inserts nothing before its start.
        if warmed { predictor.insert(upTo: position) }
        let keep = max(origin, position - MatchPredictor.history)
        guard keep > origin else { return }
        let base = buffer.baseAddress!
        (base).copyMemory(from: base + (keep - origin), byteCount: received - keep)
        origin = keep
        predictor.rebase(UnsafeRawBufferPointer(buffer), origin: origin)
    }

    /// Runs every step the content received so far allows.
    private func advance(into output: ChunkSink) throws {
        let complete = received == feedEnd
        while true {
            let available = complete ? Int.max : received - position
            if let kind = block {
                if blockTokensLeft == 0 {
                    try endBlock(kind, into: output)
                    block = nil
                } else {
                    guard available >= MatchPredictor.lookahead else { return }
                    try decodeToken(kind)
                }
                try checkedDrain(into: output)
            } else if blocksLeft > 0 {
                guard available >= Self.blockLookahead else { return }
                try startBlock()
                try checkedDrain(into: output)
            } else if segmentIndex + 1 < replayed.upperBound {
                try checkSegmentEnd()
                beginSegment(segmentIndex + 1)
            } else {
                return
            }
        }
    }

    private func checkedDrain(into output: ChunkSink) throws {
        guard streamBit <= segment.bitEnd else { throw malformed("the stream outgrows its stated size") }
        if sink.bytes.count >= Self.drainThreshold { try sink.drain(into: output) }
    }

    private func startBlock() throws(RecipeError) {
        if !warmed {
            predictor.warm(upTo: position)
            warmed = true
        }
        guard let kind = blockModel.decodeType(&coder) else { throw malformed("block type 3") }
        blocksLeft -= 1
        sink.write(blocksLeft == 0 && segmentIndex == sizes.segments.count - 1 ? 1 : 0, 1)
        sink.write(UInt32(kind.rawValue), 2)
        if kind == .stored {
            let padding = (8 - streamBit & 7) & 7
            sink.write(blockModel.decodePadding(count: padding, &coder), padding)
            let length = Int(coder.decodeDirect(count: 16))
            guard length <= segment.contentEnd - position else { throw malformed("stored block past the content") }
            sink.write(UInt32(length), 16)
            sink.write(UInt32(length ^ 0xffff), 16)
            sink.append(UnsafeRawBufferPointer(rebasing: buffer[(position - origin)..<(position - origin + length)]))
            position += length
            return
        }
        guard let count = blockModel.decodeTokenCount(&coder), count <= tokensLeft,
            count <= segment.contentEnd - position,
            kind == .fixed || headersFirst != nil || count <= maximumHeldTokens
        else { throw malformed("token count out of range") }
        tokensLeft -= count
        block = kind
        blockTokensLeft = count
        if kind == .fixed {
            writeCodes.load(literal: fixedLiteral, distance: fixedDistance)
            streaming = true
            predictor.blockCodeLengths = .fixed
        } else if headersFirst != nil {
            // Version 7's predicted headers: the content length first, then the header against
            // the predicted one; else the header against the previous one.
            var predicted: (bits: [Bool], lengths: [UInt8])?
            if sizes.settings.predictsHeaders, let optimal = predictor.optimal,
                let previous = headersFirst?.previousLengths
            {
                try decodeBlockEnd(tokenCount: count)
                let frequencies = optimal.predictedFrequencies(start: position, end: blockEnd, previous: previous)
                predicted = blockModel.trees.dynamicHeader(frequencies)
            }
            let decoded =
                if let predicted { headersFirst?.decode(predicted: predicted, &blockModel, &coder) } else {
                    headersFirst?.decode(&blockModel, &coder)
                }
            guard let bits = decoded, let lengths = headersFirst?.codeLengths else {
                throw malformed("not a dynamic header")
            }
            let (literal, distance) = try codes(fromHeader: bits)
            writeCodes.load(literal: literal, distance: distance)
            streaming = true
            predictor.blockCodeLengths = lengths
            for bit in bits { sink.write(bit ? 1 : 0, 1) }
            if predicted != nil, let optimal = predictor.optimal {
                optimal.repriceBlock(literalLengths: lengths.literal, distanceLengths: lengths.distance)
                return
            }
        } else {
            streaming = false
            predictor.blockCodeLengths = nil
            heldTokens.removeAll(keepingCapacity: true)
            heldLiterals.removeAll(keepingCapacity: true)
            frequencies = BlockFrequencies()
        }
        if let optimal = predictor.optimal { try beginOptimalBlock(optimal, tokenCount: count) }
    }

    /// Mode 6: reads the block's content length and starts the optimal parse over it, under
    /// the block's code lengths (the fixed code's, or the dynamic header's, decoded first), or
    /// with ``DeflateReconstruction/Flags/previousBlockPrices`` the previous dynamic header's.
    private func beginOptimalBlock(_ optimal: OptimalParsePredictor, tokenCount: Int) throws(RecipeError) {
        guard let lengths = predictor.blockCodeLengths else {
            guard sizes.settings.pricesFromPreviousBlock else {
                throw malformed("predictor mode 6 needs headers first")
            }
            try decodeBlockEnd(tokenCount: tokenCount)
            optimal.beginBlock(start: position, end: blockEnd, previous: previousLengths)
            return
        }
        try decodeBlockEnd(tokenCount: tokenCount)
        optimal.beginBlock(
            start: position, end: blockEnd, literalLengths: lengths.literal, distanceLengths: lengths.distance)
    }

    /// Mode 6: reads the block's content length into ``blockEnd``.
    private func decodeBlockEnd(tokenCount: Int) throws(RecipeError) {
        guard let length = blockModel.decodeContentLength(&coder), length >= tokenCount,
            length <= segment.contentEnd - position, length <= tokenCount * 258
        else { throw malformed("block content length out of range") }
        blockEnd = position + length
    }

    /// Decodes the block's next token: written at once when the block's codes are known, else held.
    private func decodeToken(_ kind: DeflateBlockRecord.Kind) throws(RecipeError) {
        guard position < segment.contentEnd else { throw malformed("tokens past the content") }
        // The predictor is held by self throughout: used unretained, it costs no retain and
        // release per token (a tenth of an ISA-L replay's time).
        let decoded = Unmanaged.passUnretained(predictor)._withUnsafeGuaranteedRef { predictor in
            let prediction = TokenModel.predict(at: position, predictor, contentCount: sizes.contentSize)
            return tokenModel.decode(
                at: position, prediction: prediction, predictor: predictor, contentCount: sizes.contentSize,
                from: &coder)
        }
        guard let token = decoded else { throw malformed("a match the content cannot hold") }
        let literal = token == 0 ? buffer[position - origin] : 0
        position += token == 0 ? 1 : token.matchLength
        guard position <= blockEnd else { throw malformed("a token past its block's end") }
        blockTokensLeft -= 1
        if streaming {
            try write(token, literal: literal)
            return
        }
        heldTokens.append(token)
        if token == 0 {
            heldLiterals.append(literal)
            frequencies.add(literal: literal)
        } else {
            frequencies.add(match: token)
        }
    }

    /// Ends the coded block whose tokens are all decoded: a streamed block's tokens are written
    /// already; a held dynamic block's header and tokens are written first.
    private func endBlock(_ kind: DeflateBlockRecord.Kind, into output: ChunkSink) throws {
        guard blockEnd == .max || position == blockEnd else { throw malformed("a block short of its end") }
        if streaming {
            writeCodes.writeLiteral(256, &sink)
            return
        }
        let zlib = blockModel.trees.dynamicHeader(frequencies)
        let bits: [Bool]
        if blockModel.decodeHeaderPredicted(&coder) {
            bits = zlib.bits
            previousLengths = zlib.lengths
        } else {
            guard let header = blockModel.decodeHeader(predicted: zlib.lengths, &coder), let coded = header.bits()
            else { throw malformed("not a dynamic header") }
            bits = coded
            previousLengths = header.paddedLengths
        }
        let (literal, distance) = try codes(fromHeader: bits)
        writeCodes.load(literal: literal, distance: distance)
        for bit in bits { sink.write(bit ? 1 : 0, 1) }
        var literals = heldLiterals.makeIterator()
        for token in heldTokens {
            try write(token, literal: token == 0 ? literals.next()! : 0)
            try checkedDrain(into: output)
        }
        writeCodes.writeLiteral(256, &sink)
    }

    /// Writes one token with the block's codes (``writeCodes``); `literal` is a literal
    /// token's byte.
    @inline(__always)
    private func write(_ token: DeflateToken, literal: UInt8) throws(RecipeError) {
        let codes = writeCodes
        if token == 0 {
            guard codes.hasLiteralCode(Int(literal)) else { throw malformed("literal without a code") }
            codes.writeLiteral(Int(literal), &sink)
            return
        }
        let length = token.matchLength
        let code = token.isLongForm258 ? 27 : Int(DeflateCodes.lengthCode[length])
        let symbol = 257 + code
        let distance = token.matchDistance
        let distanceSymbol = DeflateCodes.distanceCode(distance)
        guard codes.hasLiteralCode(symbol), distanceSymbol < 32, codes.hasDistanceCode(distanceSymbol)
        else { throw malformed("match without a code") }
        codes.writeLiteral(symbol, &sink)
        sink.write(UInt32(length - DeflateCodes.lengthBase[code]), DeflateCodes.lengthExtra[code])
        codes.writeDistance(distanceSymbol, &sink)
        sink.write(
            UInt32(distance - DeflateCodes.distanceBase[distanceSymbol]), DeflateCodes.distanceExtra[distanceSymbol])
    }

    /// The literal/length and distance codes a dynamic header's bits give.
    private func codes(fromHeader bits: [Bool]) throws(RecipeError) -> (HuffmanCode, HuffmanCode) {
        var packed = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (index, bit) in bits.enumerated() where bit { packed[index >> 3] |= 1 << UInt8(index & 7) }
        let parsed = packed.withUnsafeBytes { raw in
            Result { () throws(DeflateParseError) in
                var reader = DeflateBitReader(raw, bitCount: bits.count)
                let lengths = try DeflateStreamParser.readDynamicHeader(&reader)
                guard reader.bitPosition == bits.count else {
                    throw .invalid(bitOffset: reader.bitPosition, detail: "header bits left")
                }
                return (
                    try HuffmanCode(lengths: lengths.literal, requireComplete: true),
                    try HuffmanCode(lengths: lengths.distance, requireComplete: true)
                )
            }
        }
        switch parsed {
        case let .success(codes): return codes
        case let .failure(error): throw malformed("dynamic header: \(error)")
        }
    }
}
