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
/// the end of the payload. Version 2 is the same with modes 2-5 (ISA-L's matchers,
/// ``MatchPredictor/Settings/Mode``) also allowed; payloads of modes 0-1 stay version 1.
/// Version 3 adds a `flags` varint right after the mode (``Flags``; bit 0 `headersFirst`:
/// each dynamic block's header is coded before its tokens, other bits refused) and reserves
/// modes 7-9 (zlib-ng's `deflate_quick` of encoder generations 1-3,
/// ``ZlibNGQuickEmulation``) to it. Version 4 (2026-12-02) moves mode 6 (optimal parse,
/// redefined: a binary-tree match finder) to itself; a version-3 payload in mode 6 is
/// refused. Version 5 (2026-12-02) gives mode 6 a nice length in the lazy limit
/// (``MatchPredictor/Settings/optimalParseNiceLength``). Version 6 (2026-12-03) adds flags
/// bit 2, ``Flags/niceMatchCuts``: mode 6 with a nice length follows 7-Zip's fast-bytes rule
/// (``MatchPredictor/Settings/cutsAtNiceMatches``). Version 7 (2026-12-03) adds flags bit 3,
/// ``Flags/predictedHeaders``: mode 6 codes a dynamic block's content length before its
/// header, and the header against the one ``SevenZipHeaderPredictor`` builds for a parse of
/// the block under the previous header's lengths. Version 8 (2026-12-03) adds flags bit 5,
/// ``Flags/windowsEndWhereMatchesEnd``: mode 6's parse windows end where no candidate crosses
/// (``OptimalParsePredictor``). A payload is written as
/// the oldest version that expresses it (``version(for:flags:)``), so one without flags in
/// modes 0-5 is byte for byte a version 1 or 2 payload.
/// Mode 6 (``OptimalParsePredictor``, `headersFirst` required) codes per fixed or dynamic block
/// its content length after its token count and, for a dynamic block, after its header (before
/// it with predicted headers).
public enum DeflateReconstruction {
    /// The newest payload version written and read.
    public static let payloadVersion: UInt8 = 8

    /// The predictor settings the analysis uses.
    static let defaultSettings = MatchPredictor.Settings(chainLimit: 128, lazyLimit: 32)

    /// The largest stream accepted for content of `contentSize` bytes: no real producer
    /// expands data beyond a few bytes per 64 KiB, so this bounds a hostile payload's work.
    static func maximumStreamSize(contentSize: Int) -> Int { 1024 + contentSize * 2 }

    /// Codes `deflate` (a raw deflate stream) against our reference deflate over `content`
    /// (which it must decode to), choosing the predictor for `goal`.
    /// - Returns: the ``RecipeExtensionKind/deflateReconstruction`` payload.
    /// - Throws: ``DeflateParseError`` when the stream is not valid deflate of `content`, or
    ///   has something reconstruction does not record (bytes after its final block).
    public static func analyse(
        deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer, goal: ReconstructionGoal = .fastReplay
    ) throws(DeflateParseError) -> [UInt8] {
        try analyse(deflate: deflate, content: content, maximumHeldTokens: DeflateReplay.maximumBlockTokens, goal: goal)
    }

    /// ``analyse(deflate:content:)`` cutting segments of `segmentSize` content instead of
    /// ``segmentContentSize(forContent:)`` (fuzzing makes them small, so that small streams have several).
    public static func analyse(
        deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer, segmentSize: Int
    ) throws(DeflateParseError) -> [UInt8] {
        try analyse(
            deflate: deflate, content: content, maximumHeldTokens: DeflateReplay.maximumBlockTokens,
            segmentSize: max(1, segmentSize))
    }

    /// ``analyse(deflate:content:)`` with the predictor's `settings` given (tests of one mode).
    static func analyse(
        deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer, settings: MatchPredictor.Settings
    ) throws(DeflateParseError) -> [UInt8] {
        try analyse(
            deflate: deflate, content: content, maximumHeldTokens: DeflateReplay.maximumBlockTokens, settings: settings)
    }

    /// ``analyse(deflate:content:)`` for a replay that holds at most `maximumHeldTokens` of a
    /// dynamic block whose header follows its tokens: a stream with a larger dynamic block
    /// gets ``Flags/headersFirst`` (tests lower the limit to keep their data small).
    /// Streams of more than one segment of `segmentSize` content (by default
    /// ``segmentContentSize(forContent:)``; tests make it small) are ``Flags/segmented``,
    /// their segments coded on up to `jobs` threads.
    static func analyse(
        deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer, maximumHeldTokens: Int,
        settings given: MatchPredictor.Settings? = nil, goal: ReconstructionGoal = .fastReplay,
        segmentSize: Int? = nil, jobs: Int = BlockingWork.processorCount
    ) throws(DeflateParseError) -> [UInt8] {
        let segmentSize = segmentSize ?? segmentContentSize(forContent: content.count)
        guard deflate.count <= maximumStreamSize(contentSize: content.count) else {
            throw .unsupported("the stream is over twice the size of its content")
        }
        let parsed = try DeflateStreamParser.parse(deflate, content: content)
        let needed: Flags =
            parsed.blocks.contains { $0.kind == .dynamic && $0.tokenCount > maximumHeldTokens } ? .headersFirst : []
        var (settings, flags) =
            if let given {
                (given.fitting(needed), needed.union(given.fitting(needed).requiredFlags))
            } else {
                try chooseSettings(parsed, flags: needed, deflate: deflate, content: content, goal: goal, jobs: jobs)
            }
        let segments =
            settings.mode.supportsSegments ? segmentBlocks(parsed, segmentSize: segmentSize) : [parsed.blocks.indices]
        if segments.count > 1 { flags.insert(.segmented) }
        var header = RecipeByteWriter()
        let version = version(for: settings, flags: flags)
        header.bytes.append(version)
        header.varint(UInt64(content.count))
        header.varint(UInt64(deflate.count))
        header.varint(UInt64(parsed.blocks.count))
        header.varint(UInt64(parsed.tokens.count))
        header.varint(UInt64(settings.chainLimit))
        header.varint(UInt64(settings.lazyLimit))
        header.varint(UInt64(settings.mode.rawValue))
        if version >= 3 { header.varint(flags.rawValue) }
        guard flags.contains(.segmented) else {
            let body = try encodeBody(
                parsed, blocks: parsed.blocks.indices, deflate: deflate, content: content, settings: settings,
                flags: flags)
            return header.bytes + body
        }
        let bodies = try encodeSegments(
            parsed, blocks: segments, deflate: deflate, content: content, settings: settings, flags: flags, jobs: jobs)
        header.bytes += segmentTable(
            parsed, blocks: segments, bodyCounts: bodies.map(\.count), streamBits: deflate.count * 8)
        for body in bodies { header.bytes += body }
        return header.bytes
    }

    /// The range-coded bodies of the segments `blocks`, each coded on its own (fresh models,
    /// a warmed predictor), on up to `jobs` threads.
    private static func encodeSegments(
        _ parsed: ParsedDeflate, blocks: [Range<Int>], deflate: UnsafeRawBufferPointer,
        content: UnsafeRawBufferPointer, settings: MatchPredictor.Settings, flags: Flags, jobs: Int
    ) throws(DeflateParseError) -> [[UInt8]] {
        let shared = SharedAnalysisInput(parsed: parsed, deflate: deflate, content: content)
        return try codeInParallel(blocks, jobs: jobs) { range throws(DeflateParseError) in
            try encodeBody(
                shared.parsed, blocks: range, deflate: shared.deflate, content: shared.content,
                settings: settings, flags: flags)
        }
    }

    /// ``OrderedParallelWork/map(_:jobs:_:)`` for the analysis's coding work, which throws
    /// only ``DeflateParseError``: the results in item order, or the first item's error.
    private static func codeInParallel<Item: Sendable, Output: Sendable>(
        _ items: [Item], jobs: Int, _ work: @escaping @Sendable (Item) throws(DeflateParseError) -> Output
    ) throws(DeflateParseError) -> [Output] {
        do {
            return try OrderedParallelWork.map(items, jobs: jobs) { item in try work(item) }
        } catch let error as DeflateParseError {
            throw error
        } catch {
            preconditionFailure("the analysis's coding throws only DeflateParseError: \(error)")
        }
    }

    /// The predictor settings tried, zlib-like first: lazy matching as zlib's levels 4-9
    /// do, greedy as zlib's 1-3, a short greedy chain, zlib -9's deep lazy search, the
    /// newest 4-byte match as single-entry hash tables (fast levels) find it, ISA-L's
    /// matchers (levels 0 to 3) and zlib-ng's `deflate_quick` (its newest generation; the
    /// others follow when it wins, ``refinements(of:)``).
    static let candidateSettings: [MatchPredictor.Settings] = [
        defaultSettings, MatchPredictor.Settings(chainLimit: 128, lazyLimit: 0),
        MatchPredictor.Settings(chainLimit: 4, lazyLimit: 0), MatchPredictor.Settings(chainLimit: 1024, lazyLimit: 258),
        MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, mode: .newestOfFour),
        MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, mode: .isalLevel0),
        MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, mode: .isalLevel1),
        MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, mode: .isalLevel2),
        MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, mode: .isalLevel3),
        MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, mode: .zlibNGQuick),
    ]

    /// Settings tried after ``candidateSettings`` when `winner` won: zlib-ng's quick modes
    /// of the older generations. Their hashes differ from the newest's only where 4-byte
    /// strings collide (2.0 also takes 3-byte matches), so the newest's mode wins on any of
    /// their outputs, and the other two cost the sample only then.
    static func refinements(of winner: MatchPredictor.Settings) -> [MatchPredictor.Settings] {
        guard winner.mode == .zlibNGQuick else { return [] }
        return [MatchPredictor.Settings.Mode.zlibNGQuickCRC32C, .zlibNGQuick20].map {
            MatchPredictor.Settings(chainLimit: winner.chainLimit, lazyLimit: winner.lazyLimit, mode: $0)
        }
    }
    /// The sample size `settings` must code below to replace `best` (which coded `bestSize`):
    /// a zlib-ng quick or medium mode (payload version 3 or 4, which older clients refuse) must beat a mode
    /// they read by an eighth, so streams it barely helps (GNU gzip's fast levels on some
    /// content) keep the payload they had; on zlib-ng -1's own output it wins by far more.
    private static func quickModeBar(
        _ settings: MatchPredictor.Settings, against best: MatchPredictor.Settings, _ bestSize: Int
    ) -> Int {
        guard settings.mode.emulatesZlibNG, !best.mode.emulatesZlibNG else { return bestSize }
        return bestSize - bestSize / 8
    }
    /// Whether zlib-ng's `deflate_medium` modes are worth trying on the sample: not when a
    /// quick or an ISA-L mode won already (ISA-L writes no 3-byte matches either), and only when the sample has matches and (almost) none of 3
    /// bytes, which zlib-ng 2.1 and later never write at levels 2 to 6 (`WANT_MIN_MATCH` 4)
    /// while zlib, libdeflate, 7-Zip and zopfli write many; so other producers' analyses do
    /// not pay for them.
    static func mayBeZlibNGMedium(
        _ parsed: ParsedDeflate, sampleBlocks: Range<Int>, best: MatchPredictor.Settings
    ) -> Bool {
        guard best.mode.zlibNGQuickGeneration == nil, best.mode.isalKind == nil, !sampleBlocks.isEmpty else {
            return false
        }
        let first = parsed.blocks[sampleBlocks.lowerBound].tokenStart
        let last = parsed.blocks[sampleBlocks.upperBound - 1]
        var matches = 0
        var threes = 0
        for token in parsed.tokens[first..<last.tokenStart + last.tokenCount] where token != 0 {
            matches += 1
            if token.matchLength == 3 { threes += 1 }
        }
        return matches > 0 && threes * 200 <= matches
    }

    /// Content coded per candidate setting to choose one.
    static let sampleSize = 256 << 10
    /// Content coded at most per candidate setting: a block reaching past it is cut there
    /// (one fixed-code block may cover the whole stream).
    static let sampleLimit = 4 * sampleSize

    /// Content coded per candidate when the optimal parse is tried
    /// (``chooseSettings(_:flags:deflate:content:goal:jobs:)``): its trials cost tens of
    /// times a hash-chain mode's, and this ranks its candidates on 7-Zip's -mx5 to -mx9,
    /// libdeflate -12 and zopfli output as ``sampleSize`` does (but zopfli's of a 3.3 MB tar,
    /// at 0.3 % more data), in less than half the time.
    static let optimalParseSampleSize = 64 << 10

    /// The setting that codes the stream's first blocks (about ``sampleSize`` of content, at
    /// most ``sampleLimit``) smallest, with the flags the stream `needs` and those its mode
    /// requires; the first candidate for a stream that small. The optimal parse is a
    /// candidate only for ``ReconstructionGoal/smallestData``, when the best hash-chain mode
    /// leaves enough mispredicted: then that mode and the optimal parse's settings are
    /// compared on the first ``optimalParseSampleSize`` of content. The fixed lists of
    /// candidates are tried on up to `jobs` threads, and offered in their order, so the choice
    /// is the same on any machine.
    private static func chooseSettings(
        _ parsed: ParsedDeflate, flags needed: Flags, deflate: UnsafeRawBufferPointer,
        content: UnsafeRawBufferPointer, goal: ReconstructionGoal, jobs: Int
    ) throws(DeflateParseError) -> (MatchPredictor.Settings, Flags) {
        let sampleEnd =
            (parsed.blocks.firstIndex { $0.contentStart + $0.contentLength >= sampleSize } ?? parsed.blocks.count - 1)
            + 1
        var best = (defaultSettings, needed.union(defaultSettings.requiredFlags))
        var bestSize = Int.max
        let shared = SharedAnalysisInput(parsed: parsed, deflate: deflate, content: content)
        @Sendable func sampleCost(
            _ settings: MatchPredictor.Settings, contentLimit: Int = sampleLimit
        ) throws(DeflateParseError) -> Int {
            try encodeBody(
                shared.parsed, blocks: 0..<sampleEnd, contentLimit: contentLimit, deflate: shared.deflate,
                content: shared.content, settings: settings, flags: needed.union(settings.requiredFlags)
            ).count
        }
        func offer(_ settings: MatchPredictor.Settings, size: Int) {
            if size < quickModeBar(settings, against: best.0, bestSize) {
                best = (settings, needed.union(settings.requiredFlags))
                bestSize = size
            }
        }
        func consider(_ settings: MatchPredictor.Settings) throws(DeflateParseError) {
            offer(settings, size: try sampleCost(settings))
        }
        func considerAll(_ list: [MatchPredictor.Settings]) throws(DeflateParseError) {
            let sizes = try codeInParallel(list, jobs: jobs) { settings throws(DeflateParseError) in
                try sampleCost(settings)
            }
            for (settings, size) in zip(list, sizes) { offer(settings, size: size) }
        }
        try considerAll(candidateSettings)
        for settings in refinements(of: best.0) { try consider(settings) }
        if mayBeZlibNGMedium(parsed, sampleBlocks: 0..<sampleEnd, best: best.0) {
            // zlib-ng's levels 5-6 look one match ahead, 3-4 do not: one of each, then the
            // better one's neighbour, then its generation 2 (CRC32-C hash) if it wins. (Levels
            // 7-9 give the same bytes for any split: exact recipes have them.)
            func trial(_ level: Int) throws(DeflateParseError) -> (MatchPredictor.Settings, Int) {
                let settings = ZlibNGMediumEmulation.settings(level: level, mode: .zlibNGMedium)
                return (settings, try sampleCost(settings))
            }
            let six = try trial(6), four = try trial(4)
            let neighbour = try trial(six.1 <= four.1 ? 5 : 3)
            let (settings, size) = [six, four, neighbour].min { $0.1 < $1.1 }!
            offer(settings, size: size)
            if best.0 == settings {
                let level = settings.mode.zlibNGLevel(chainLimit: settings.chainLimit) ?? 6
                try consider(ZlibNGMediumEmulation.settings(level: level, mode: .zlibNGMediumCRC32C))
            }
        }
        if goal == .smallestData,
            optimalParseMayPay(
                sampleSize: bestSize, sampleBlocks: parsed.blocks[0..<sampleEnd], deflate: deflate, content: content)
        {
            // The optimal parse against the hash-chain winner, on a shorter sample.
            let finalists = [best.0] + OptimalParsePredictor.candidateSettings.map { $0.fitting(needed) }
            let sizes = try codeInParallel(finalists, jobs: jobs) { settings throws(DeflateParseError) in
                try sampleCost(settings, contentLimit: optimalParseSampleSize)
            }
            let smallest = sizes.indices.min { sizes[$0] < sizes[$1] }!
            best = (finalists[smallest], needed.union(finalists[smallest].requiredFlags))
        }
        return best
    }

    /// The range-coded body for `blocks` (a prefix of the stream's, all of them for a payload),
    /// for a sample cut at the token that reaches `contentLimit`; with ``Flags/headersFirst``
    /// each dynamic header is coded before its block's tokens (``HeadersFirstHeaderModel``),
    /// else after them, predicted from them.
    /// - Throws: ``DeflateParseError/unsupported(_:)`` for a block of more tokens than the
    ///   payload codes (2^32 - 1) or a dynamic header that does not read back.
    private static func encodeBody(
        _ parsed: ParsedDeflate, blocks: Range<Int>, contentLimit: Int = .max, deflate: UnsafeRawBufferPointer,
        content: UnsafeRawBufferPointer, settings: MatchPredictor.Settings, flags: Flags
    ) throws(DeflateParseError) -> [UInt8] {
        let predictor = MatchPredictor(content: content, settings: settings)
        if flags.contains(.segmented) { predictor.warm(upTo: parsed.blocks[blocks.lowerBound].contentStart) }
        var tokenModel = TokenModel()
        var blockModel = BlockModel(settings: settings)
        var headersFirst = flags.contains(.headersFirst) ? HeadersFirstHeaderModel() : nil
        // With previousBlockPrices: the lengths the next dynamic block is parsed under.
        var previousLengths = SevenZipHeaderPredictor.initialLengths
        var coder = RangeEncoder()
        var reader = DeflateBitReader(deflate)
        for block in parsed.blocks[blocks] {
            blockModel.encodeType(block.kind, &coder)
            if block.kind == .stored {
                blockModel.encodePadding(block.paddingBits, count: block.paddingCount, &coder)
                coder.encodeDirect(UInt32(block.contentLength), count: 16)
                continue
            }
            guard block.tokenCount <= UInt32.max else { throw .unsupported("a block of over 2^32 - 1 tokens") }
            blockModel.encodeTokenCount(block.tokenCount, &coder)
            predictor.blockCodeLengths = block.kind == .fixed ? .fixed : nil
            let blockEnd = block.contentStart + block.contentLength
            var headerPredicted = false
            if block.kind == .dynamic, headersFirst != nil {
                // Version 7's predicted headers: the content length first, then the header
                // against the predicted one; else the header against the previous one.
                let bits = headerBits(of: block, &reader)
                if settings.predictsHeaders, let optimal = predictor.optimal,
                    let previous = headersFirst?.previousLengths
                {
                    blockModel.encodeContentLength(block.contentLength, &coder)
                    let frequencies = optimal.predictedFrequencies(
                        start: block.contentStart, end: blockEnd, previous: previous)
                    try headersFirst?.encode(
                        bits, predicted: blockModel.trees.dynamicHeader(frequencies), &blockModel, &coder)
                    headerPredicted = true
                } else {
                    try headersFirst?.encode(bits, &blockModel, &coder)
                }
                predictor.blockCodeLengths = headersFirst?.codeLengths
            }
            if let optimal = predictor.optimal {
                if let lengths = predictor.blockCodeLengths, headerPredicted {
                    optimal.repriceBlock(literalLengths: lengths.literal, distanceLengths: lengths.distance)
                } else if let lengths = predictor.blockCodeLengths {
                    blockModel.encodeContentLength(block.contentLength, &coder)
                    optimal.beginBlock(
                        start: block.contentStart, end: blockEnd, literalLengths: lengths.literal,
                        distanceLengths: lengths.distance)
                } else if settings.pricesFromPreviousBlock {
                    blockModel.encodeContentLength(block.contentLength, &coder)
                    optimal.beginBlock(start: block.contentStart, end: blockEnd, previous: previousLengths)
                }
            }
            var position = block.contentStart
            for token in parsed.tokens[block.tokenStart..<block.tokenStart + block.tokenCount] {
                if position >= contentLimit {
                    coder.finish()
                    return coder.bytes
                }
                let prediction = TokenModel.predict(at: position, predictor, contentCount: content.count)
                tokenModel.encode(token, at: position, prediction: prediction, predictor: predictor, into: &coder)
                position += token == 0 ? 1 : token.matchLength
            }
            if block.kind == .dynamic, headersFirst == nil {
                let bits = headerBits(of: block, &reader)
                let zlib = blockModel.trees.dynamicHeader(
                    BlockFrequencies(
                        tokens: parsed.tokens[block.tokenStart..<block.tokenStart + block.tokenCount],
                        from: block.contentStart, byte: { content[$0] }))
                let predicted = zlib.bits == bits
                blockModel.encodeHeaderPredicted(predicted, &coder)
                if !predicted {
                    guard let structure = DynamicHeader(bits: bits), structure.bits() == bits else {
                        throw .unsupported("a dynamic header that does not read back")
                    }
                    blockModel.encodeHeader(structure, predicted: zlib.lengths, &coder)
                    previousLengths = structure.paddedLengths
                } else {
                    previousLengths = zlib.lengths
                }
            }
        }
        if blocks.upperBound == parsed.blocks.count {
            blockModel.encodePadding(parsed.endPaddingBits, count: parsed.endPaddingCount, &coder)
        }
        coder.finish()
        return coder.bytes
    }

    /// A dynamic block's header as the stream has it (HLIT through the last code length).
    private static func headerBits(of block: DeflateBlockRecord, _ reader: inout DeflateBitReader) -> [Bool] {
        reader.seek(to: block.headerBits.lowerBound)
        var bits = [Bool]()
        bits.reserveCapacity(block.headerBits.count)
        for _ in block.headerBits { bits.append((try? reader.bit()) == 1) }
        return bits
    }

    /// The payload's sizes, each within what content of its stated size allows.
    struct Sizes {
        var contentSize: Int
        /// Where the content size is written, for errors about the content.
        var contentSizeOffset: Int
        var streamSize: Int
        var blockCount: Int
        var tokenCount: Int
        var settings: MatchPredictor.Settings
        /// Version 3's flags; empty in versions 1 and 2.
        var flags: Flags = []
        var bodyOffset: Int
        /// The segments (``Segment``): one covering the whole stream unless ``Flags/segmented``.
        var segments: [Segment]

        /// The largest content a payload may be made for.
        static let maximumContentSize = 1 << 40

        /// Reads the sizes; with `expectedContentSize`, content of another size is refused
        /// first, at the content size's offset.
        init(_ payload: [UInt8], expectedContentSize: Int? = nil) throws(RecipeError) {
            var input = RecipeByteReader(bytes: payload)
            let versionOffset = input.offset
            let version = try input.byte()
            guard (1...DeflateReconstruction.payloadVersion).contains(version) else {
                throw .malformed(offset: versionOffset, detail: "deflate reconstruction version \(version)")
            }
            contentSizeOffset = input.offset
            contentSize = try input.small(0...Self.maximumContentSize, "deflate reconstruction content size")
            if let expectedContentSize, expectedContentSize != contentSize {
                throw .malformed(offset: contentSizeOffset, detail: "deflate reconstruction for other content")
            }
            streamSize = try input.small(
                1...DeflateReconstruction.maximumStreamSize(contentSize: contentSize), "deflate stream size")
            blockCount = try input.small(1...(streamSize * 8 / 3), "deflate block count")
            tokenCount = try input.small(0...contentSize, "deflate token count")
            let chainLimit = try input.small(1...4096, "predictor chain limit")
            let lazyLimit = try input.small(0...258, "predictor lazy limit")
            let modeOffset = input.offset
            let modeValue = try input.varint()
            guard let mode = MatchPredictor.Settings.Mode(rawValue: Int(clamping: modeValue)),
                mode.minimumPayloadVersion <= version
            else {
                throw .malformed(
                    offset: modeOffset, detail: "predictor mode \(modeValue) out of range for version \(version)")
            }
            if let generation = mode.zlibNGMediumGeneration {
                guard lazyLimit == 0, ZlibNGMediumEmulation.level(chainLimit: chainLimit, generation: generation) != nil
                else {
                    throw .malformed(
                        offset: modeOffset,
                        detail: "predictor mode \(mode.rawValue) with chain \(chainLimit), lazy \(lazyLimit)")
                }
            }
            settings = MatchPredictor.Settings(chainLimit: chainLimit, lazyLimit: lazyLimit, mode: mode)
            guard settings.isValid(inPayloadVersion: version) else {
                throw .malformed(
                    offset: modeOffset,
                    detail: "predictor mode \(mode.rawValue) with lazy limit \(lazyLimit) in version \(version)")
            }
            if version >= 3 {
                let flagsOffset = input.offset
                flags = Flags(rawValue: try input.varint())
                guard Flags.known.isSuperset(of: flags), flags.minimumPayloadVersion <= version else {
                    throw .malformed(
                        offset: flagsOffset, detail: "deflate reconstruction flags \(flags.rawValue) in version \(version)")
                }
                if flags.contains(.previousBlockPrices) {
                    settings.pricesFromPreviousBlock = true
                    guard mode == .optimalParse, !flags.contains(.headersFirst), !flags.contains(.predictedHeaders)
                    else {
                        throw .malformed(
                            offset: flagsOffset,
                            detail: "previous-block prices need mode 6 without headers first, not flags "
                                + "\(flags.rawValue) in mode \(mode.rawValue)")
                    }
                }
                guard flags.isSuperset(of: settings.requiredFlags) else {
                    throw .malformed(
                        offset: flagsOffset,
                        detail: "predictor mode \(mode.rawValue) needs flags \(settings.requiredFlags.rawValue)")
                }
                if flags.contains(.predictedHeaders) {
                    settings.predictsHeaders = true
                    guard settings.isValid(inPayloadVersion: version) else {
                        throw .malformed(
                            offset: flagsOffset, detail: "predicted headers need mode 6, not mode \(mode.rawValue)")
                    }
                }
                if flags.contains(.windowsEndWhereMatchesEnd) {
                    settings.endsWindowsWhereMatchesEnd = true
                    guard settings.isValid(inPayloadVersion: version) else {
                        throw .malformed(
                            offset: flagsOffset,
                            detail: "windows ending where matches end need mode 6, not mode \(mode.rawValue)")
                    }
                }
                if flags.contains(.niceMatchCuts) {
                    settings.cutsAtNiceMatches = true
                    guard settings.isValid(inPayloadVersion: version) else {
                        throw .malformed(
                            offset: flagsOffset,
                            detail: "nice-match cuts need mode 6 with a nice length, not mode \(mode.rawValue) "
                                + "with lazy limit \(lazyLimit)")
                    }
                }
            }
            if flags.contains(.segmented) {
                guard mode.supportsSegments else {
                    throw .malformed(offset: modeOffset, detail: "predictor mode \(mode.rawValue) is not segmented")
                }
                segments = try DeflateReconstruction.readSegmentTable(
                    &input, payloadCount: payload.count, blockCount: blockCount, contentSize: contentSize,
                    tokenCount: tokenCount, streamBits: streamSize * 8)
            } else {
                segments = [
                    Segment(
                        firstBlock: 0, blockCount: blockCount, contentStart: 0, contentLength: contentSize,
                        tokenCount: tokenCount, bitStart: 0, bitCount: streamSize * 8,
                        body: input.offset..<payload.count)
                ]
            }
            bodyOffset = input.offset
        }
    }

    /// Writes back the deflate stream `payload` describes over `content`, all in memory
    /// (``DeflateReconstructionEncoder`` streams the same replay).
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the payload is not one the
    ///   analysis of this content could have written (offsets inside the range-coded body
    ///   are approximate: where the decoder had read to).
    public static func replay(payload: [UInt8], content: UnsafeRawBufferPointer) throws(RecipeError) -> [UInt8] {
        try replay(payload: payload, content: content, maximumHeldTokens: DeflateReplay.maximumBlockTokens)
    }

    /// ``replay(payload:content:)`` holding at most `maximumHeldTokens` of a dynamic block whose
    /// header follows its tokens (tests lower it to keep their data small).
    /// A ``Flags/segmented`` payload's segments replay on up to `jobs` threads.
    static func replay(
        payload: [UInt8], content: UnsafeRawBufferPointer, maximumHeldTokens: Int,
        jobs: Int = BlockingWork.processorCount
    ) throws(RecipeError) -> [UInt8] {
        let sizes = try Sizes(payload, expectedContentSize: content.count)
        if sizes.flags.contains(.segmented) {
            return try DeflateSegmentedReplay.replay(
                payload: payload, sizes: sizes, content: content, jobs: jobs, maximumHeldTokens: maximumHeldTokens)
        }
        let replay = try DeflateReplay(
            payload: payload, contentSize: content.count, maximumHeldTokens: maximumHeldTokens)
        var stream: [UInt8] = []
        do {
            try replay.process(content) { stream.append(contentsOf: $0) }
            try replay.finish { stream.append(contentsOf: $0) }
        } catch let error as RecipeError {
            throw error
        } catch {
            preconditionFailure("collecting the stream cannot fail: \(error)")
        }
        return stream
    }
}

/// What the segments of one analysis read, shared by the threads that code them: the
/// stream, its content and its parse, none of which changes while they run.
private struct SharedAnalysisInput: @unchecked Sendable {
    let parsed: ParsedDeflate
    let deflate: UnsafeRawBufferPointer
    let content: UnsafeRawBufferPointer
}
