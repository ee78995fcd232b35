/// Deflate reconstruction: the data that makes our reference deflate reproduce any deflate
/// stream over the same content, bit for bit (recipe extension
/// ``RecipeExtensionKind/deflateReconstruction``).
///
/// The analysis (``analyse(deflate:content:)``) takes the stream apart into blocks and tokens
/// and codes each token against what ``MatchPredictor`` would write at that position: a
/// right guess costs a fraction of a bit, a wrong one the choice made (literal or match, the
/// match's length as a shortfall from the longest, its distance as an index among the
/// candidates). Block types, token counts, stored lengths, padding bits and dynamic headers
/// (predicted as zlib builds them, else as written) complete it. Everything is coded with an
/// adaptive binary range coder. The replay (``replay(payload:content:)``) runs the same
/// predictor and writes the stream back.
///
/// Payload, version 1: a version byte `1`; varints: content size, stream size in bytes,
/// block count, token count, the predictor's chain limit (1-4096), lazy limit (0-258) and
/// mode (0 longest match, 1 newest match of at least 4 bytes); then the range-coded body to
/// the end of the payload.
public enum DeflateReconstruction {
    /// The payload version written and read.
    public static let payloadVersion: UInt8 = 1
    /// The predictor settings the analysis uses.
    static let defaultSettings = MatchPredictor.Settings(chainLimit: 128, lazyLimit: 32)

    /// The largest stream accepted for content of `contentSize` bytes: no real producer
    /// expands data beyond a few bytes per 64 KiB, so this bounds a hostile payload's work.
    static func maximumStreamSize(contentSize: Int) -> Int { 1024 + contentSize * 2 }

    /// Codes `deflate` (a raw deflate stream) against our reference deflate over `content`
    /// (which it must decode to).
    /// - Returns: the ``RecipeExtensionKind/deflateReconstruction`` payload.
    /// - Throws: ``DeflateParseError`` when the stream is not valid deflate of `content`, or
    ///   has something reconstruction does not record (bytes after its final block).
    public static func analyse(
        deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer
    ) throws(DeflateParseError) -> [UInt8] {
        guard deflate.count <= maximumStreamSize(contentSize: content.count) else {
            throw .unsupported("the stream is over twice the size of its content")
        }
        let parsed = try DeflateStreamParser.parse(deflate, content: content)
        let settings = try chooseSettings(parsed, deflate: deflate, content: content)
        var header = RecipeByteWriter()
        header.bytes.append(payloadVersion)
        header.varint(UInt64(content.count))
        header.varint(UInt64(deflate.count))
        header.varint(UInt64(parsed.blocks.count))
        header.varint(UInt64(parsed.tokens.count))
        header.varint(UInt64(settings.chainLimit))
        header.varint(UInt64(settings.lazyLimit))
        header.varint(settings.newestOfFour ? 1 : 0)
        let body = try encodeBody(
            parsed, blocks: parsed.blocks.indices, deflate: deflate, content: content, settings: settings)
        return header.bytes + body
    }

    /// The predictor settings tried, zlib-like first: lazy matching as zlib's levels 4-9
    /// do, greedy as zlib's 1-3, a short greedy chain, zlib -9's deep lazy search, and the
    /// newest 4-byte match as single-entry hash tables (ISA-L, fast levels) find it.
    static let candidateSettings: [MatchPredictor.Settings] = [
        defaultSettings, MatchPredictor.Settings(chainLimit: 128, lazyLimit: 0),
        MatchPredictor.Settings(chainLimit: 4, lazyLimit: 0), MatchPredictor.Settings(chainLimit: 1024, lazyLimit: 258),
        MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, newestOfFour: true),
    ]
    /// Content coded per candidate setting to choose one.
    static let sampleSize = 256 << 10

    /// The setting that codes the stream's first blocks (about ``sampleSize`` of content)
    /// smallest; the first candidate for a stream that small.
    private static func chooseSettings(
        _ parsed: ParsedDeflate, deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer
    ) throws(DeflateParseError) -> MatchPredictor.Settings {
        let sampleEnd =
            (parsed.blocks.firstIndex { $0.contentStart + $0.contentLength >= sampleSize } ?? parsed.blocks.count - 1)
            + 1
        var best = defaultSettings
        var bestSize = Int.max
        for settings in candidateSettings {
            let size = try encodeBody(
                parsed, blocks: 0..<sampleEnd, deflate: deflate, content: content, settings: settings
            ).count
            if size < bestSize {
                best = settings
                bestSize = size
            }
        }
        return best
    }

    /// The range-coded body for `blocks` (a prefix of the stream's, all of them for a payload).
    private static func encodeBody(
        _ parsed: ParsedDeflate, blocks: Range<Int>, deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer,
        settings: MatchPredictor.Settings
    ) throws(DeflateParseError) -> [UInt8] {
        let predictor = MatchPredictor(content: content, settings: settings)
        var tokenModel = TokenModel()
        var blockModel = BlockModel()
        var coder = RangeEncoder()
        var reader = DeflateBitReader(deflate)
        for block in parsed.blocks[blocks] {
            blockModel.encodeType(block.kind, &coder)
            if block.kind == .stored {
                blockModel.encodePadding(block.paddingBits, count: block.paddingCount, &coder)
                coder.encodeDirect(UInt32(block.contentLength), count: 16)
                continue
            }
            blockModel.encodeTokenCount(block.tokenCount, &coder)
            var position = block.contentStart
            for token in parsed.tokens[block.tokenStart..<block.tokenStart + block.tokenCount] {
                let prediction = TokenModel.predict(at: position, predictor, contentCount: content.count)
                tokenModel.encode(token, at: position, prediction: prediction, predictor: predictor, into: &coder)
                position += token == 0 ? 1 : token.matchLength
            }
            if block.kind == .dynamic {
                reader.seek(to: block.headerBits.lowerBound)
                var bits = [Bool]()
                for _ in block.headerBits { bits.append((try? reader.bit()) == 1) }
                let zlib = ZlibTreeBuilder.dynamicHeader(
                    tokens: parsed.tokens[block.tokenStart..<block.tokenStart + block.tokenCount],
                    contentStart: block.contentStart, content: content)
                let predicted = zlib.bits == bits
                blockModel.encodeHeaderPredicted(predicted, &coder)
                if !predicted {
                    guard let structure = DynamicHeader(bits: bits), structure.bits() == bits else {
                        throw .unsupported("a dynamic header that does not read back")
                    }
                    blockModel.encodeHeader(structure, predicted: zlib.lengths, &coder)
                }
            }
        }
        if blocks.upperBound == parsed.blocks.count {
            blockModel.encodePadding(parsed.endPaddingBits, count: parsed.endPaddingCount, &coder)
        }
        coder.finish()
        return coder.bytes
    }

    /// The payload's sizes, checked against the content.
    private struct Sizes {
        var streamSize: Int
        var blockCount: Int
        var tokenCount: Int
        var settings: MatchPredictor.Settings
        var bodyOffset: Int

        init(_ payload: [UInt8], contentSize: Int) throws(RecipeError) {
            var input = RecipeByteReader(bytes: payload)
            let versionOffset = input.offset
            let version = try input.byte()
            guard version == DeflateReconstruction.payloadVersion else {
                throw .malformed(offset: versionOffset, detail: "deflate reconstruction version \(version)")
            }
            let sizeOffset = input.offset
            guard try input.varint() == UInt64(contentSize) else {
                throw .malformed(offset: sizeOffset, detail: "deflate reconstruction for other content")
            }
            streamSize = try input.small(
                1...DeflateReconstruction.maximumStreamSize(contentSize: contentSize), "deflate stream size")
            blockCount = try input.small(1...(streamSize * 8 / 3), "deflate block count")
            tokenCount = try input.small(0...contentSize, "deflate token count")
            settings = MatchPredictor.Settings(
                chainLimit: try input.small(1...4096, "predictor chain limit"),
                lazyLimit: try input.small(0...258, "predictor lazy limit"),
                newestOfFour: try input.small(0...1, "predictor mode") == 1)
            bodyOffset = input.offset
        }
    }

    /// Writes back the deflate stream `payload` describes over `content`.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the payload is not one the
    ///   analysis of this content could have written (offsets inside the range-coded body
    ///   are approximate: where the decoder had read to).
    public static func replay(payload: [UInt8], content: UnsafeRawBufferPointer) throws(RecipeError) -> [UInt8] {
        let sizes = try Sizes(payload, contentSize: content.count)
        let result = payload.withUnsafeBytes { body in
            var coder = RangeDecoder(body, offset: sizes.bodyOffset)
            var replay = Replay(content: content, sizes: sizes)
            return Result { () throws(RecipeError) in try replay.run(&coder) }
        }
        return try result.get()
    }

    /// The replay's state, so that its steps stay small functions.
    private struct Replay {
        let content: UnsafeRawBufferPointer
        let bytes: UnsafeBufferPointer<UInt8>
        let sizes: Sizes
        let predictor: MatchPredictor
        var tokenModel = TokenModel()
        var blockModel = BlockModel()
        var sink: DeflateBitSink
        var position = 0
        var tokensLeft: Int
        var blockTokens: [DeflateToken] = []
        let fixedLiteral = try! HuffmanCode(lengths: DeflateCodes.fixedLiteralLengths)
        let fixedDistance = try! HuffmanCode(lengths: DeflateCodes.fixedDistanceLengths)

        init(content: UnsafeRawBufferPointer, sizes: Sizes) {
            self.content = content
            bytes = content.bindMemory(to: UInt8.self)
            self.sizes = sizes
            predictor = MatchPredictor(content: content, settings: sizes.settings)
            sink = DeflateBitSink(capacity: sizes.streamSize)
            tokensLeft = sizes.tokenCount
        }

        private func malformed(_ coder: RangeDecoder, _ detail: String) -> RecipeError {
            .malformed(offset: coder.offset, detail: detail)
        }

        mutating func run(_ coder: inout RangeDecoder) throws(RecipeError) -> [UInt8] {
            for index in 0..<sizes.blockCount {
                guard let kind = blockModel.decodeType(&coder) else { throw malformed(coder, "block type 3") }
                sink.write(index == sizes.blockCount - 1 ? 1 : 0, 1)
                sink.write(UInt32(kind.rawValue), 2)
                if kind == .stored {
                    try stored(&coder)
                } else {
                    try coded(kind, &coder)
                }
                guard sink.bitPosition <= sizes.streamSize * 8 else {
                    throw malformed(coder, "the stream outgrows its stated size")
                }
            }
            guard position == content.count, tokensLeft == 0 else {
                throw malformed(coder, "the blocks do not cover the content")
            }
            let padding = (8 - sink.bitPosition & 7) & 7
            sink.write(blockModel.decodePadding(count: padding, &coder), padding)
            sink.finish()
            guard sink.bytes.count == sizes.streamSize else {
                throw malformed(coder, "the stream is \(sink.bytes.count) bytes, not \(sizes.streamSize)")
            }
            return sink.bytes
        }

        private mutating func stored(_ coder: inout RangeDecoder) throws(RecipeError) {
            let padding = (8 - sink.bitPosition & 7) & 7
            sink.write(blockModel.decodePadding(count: padding, &coder), padding)
            let length = Int(coder.decodeDirect(count: 16))
            guard length <= content.count - position else { throw malformed(coder, "stored block past the content") }
            sink.write(UInt32(length), 16)
            sink.write(UInt32(length ^ 0xffff), 16)
            sink.append(UnsafeRawBufferPointer(rebasing: content[position..<position + length]))
            position += length
        }

        private mutating func coded(_ kind: DeflateBlockRecord.Kind, _ coder: inout RangeDecoder) throws(RecipeError) {
            guard let count = blockModel.decodeTokenCount(&coder), count <= tokensLeft,
                count <= content.count - position
            else { throw malformed(coder, "token count out of range") }
            tokensLeft -= count
            let start = position
            blockTokens.removeAll(keepingCapacity: true)
            for _ in 0..<count {
                guard position < content.count else { throw malformed(coder, "tokens past the content") }
                let prediction = TokenModel.predict(at: position, predictor, contentCount: content.count)
                guard
                    let token = tokenModel.decode(
                        at: position, prediction: prediction, predictor: predictor, contentCount: content.count,
                        from: &coder)
                else { throw malformed(coder, "a match the content cannot hold") }
                blockTokens.append(token)
                position += token == 0 ? 1 : token.matchLength
            }
            var literal = fixedLiteral
            var distance = fixedDistance
            if kind == .dynamic {
                let zlib = ZlibTreeBuilder.dynamicHeader(
                    tokens: blockTokens[...], contentStart: start, content: content)
                let bits: [Bool]
                if blockModel.decodeHeaderPredicted(&coder) {
                    bits = zlib.bits
                } else {
                    guard let header = blockModel.decodeHeader(predicted: zlib.lengths, &coder),
                        let coded = header.bits()
                    else { throw malformed(coder, "not a dynamic header") }
                    bits = coded
                }
                var packed = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
                for (index, bit) in bits.enumerated() where bit {
                    packed[index >> 3] |= 1 << UInt8(index & 7)
                    _ = index
                }
                for bit in bits { sink.write(bit ? 1 : 0, 1) }
                do {
                    let lengths = try packed.withUnsafeBytes { raw in
                        Result { () throws(DeflateParseError) in
                            var reader = DeflateBitReader(raw, bitCount: bits.count)
                            let lengths = try DeflateStreamParser.readDynamicHeader(&reader)
                            guard reader.bitPosition == bits.count else {
                                throw .invalid(bitOffset: reader.bitPosition, detail: "header bits left")
                            }
                            return lengths
                        }
                    }.get()
                    literal = try HuffmanCode(lengths: lengths.literal, requireComplete: true)
                    distance = try HuffmanCode(lengths: lengths.distance, requireComplete: true)
                } catch {
                    throw malformed(coder, "dynamic header: \(error)")
                }
            }
            try write(literal: literal, distance: distance, from: start, coder)
        }

        private mutating func write(
            literal: HuffmanCode, distance: HuffmanCode, from start: Int, _ coder: RangeDecoder
        ) throws(RecipeError) {
            var at = start
            for token in blockTokens {
                if token == 0 {
                    let symbol = Int(bytes[at])
                    guard literal.lengths[symbol] != 0 else { throw malformed(coder, "literal without a code") }
                    literal.write(symbol, &sink)
                    at += 1
                    continue
                }
                let length = token.matchLength
                let code = token.isLongForm258 ? 27 : Int(DeflateCodes.lengthCode[length])
                let symbol = 257 + code
                let distanceValue = token.matchDistance
                let distanceSymbol = DeflateCodes.distanceCode(distanceValue)
                guard symbol < literal.lengths.count, literal.lengths[symbol] != 0,
                    distanceSymbol < distance.lengths.count, distance.lengths[distanceSymbol] != 0
                else { throw malformed(coder, "match without a code") }
                literal.write(symbol, &sink)
                sink.write(UInt32(length - DeflateCodes.lengthBase[code]), DeflateCodes.lengthExtra[code])
                distance.write(distanceSymbol, &sink)
                sink.write(
                    UInt32(distanceValue - DeflateCodes.distanceBase[distanceSymbol]),
                    DeflateCodes.distanceExtra[distanceSymbol])
                at += length
            }
            literal.write(256, &sink)
        }
    }
}
